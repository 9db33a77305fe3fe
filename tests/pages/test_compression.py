"""Compression (issue 15, "Weight"): pages, JSON and CSV come gzipped to a
client that accepts gzip and plain to one that does not, the stylesheet is
served pre-compressed by WhiteNoise, and conditional requests still work on
the compressed representations (docs/security.md, "Compression")."""

import gzip
import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api_helpers import client, url
from tests.factories import EvidenceFactory, cell_at

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}

# Django masks the CSRF token anew in every response (against BREACH).
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')

# One of each content type a reader downloads, with what its body starts with.
DOWNLOADS = {
    "html": ("/", "text/html", b"<!doctype html>"),
    "json": ("/api/v1/scorecards/matrix/", "application/json", b"{"),
    "csv": ("/api/v1/scorecards/matrix/?format=csv", "text/csv", b"country"),
}


def vary(response):
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("kind", DOWNLOADS)
def test_each_content_type_is_gzipped_when_asked_for_and_plain_when_not(users, kind):
    path, content_type, start = DOWNLOADS[kind]
    reader = Client()
    reader.force_login(users.reader)

    plain = reader.get(path)
    assert plain.status_code == 200
    assert plain["Content-Type"].startswith(content_type)
    assert "Content-Encoding" not in plain and plain.content.startswith(start)

    packed = reader.get(path, **GZIP)
    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert packed["Content-Type"] == plain["Content-Type"]
    unpacked = gzip.decompress(packed.content)
    assert CSRF.sub(b"", unpacked) == CSRF.sub(b"", plain.content)
    assert len(packed.content) < len(plain.content) / 3
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)


def test_the_stylesheet_is_served_precompressed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    # Only the tracker's own files: the admin's and the API docs' would take long.
    ignore = ["admin", "rest_framework", "drf_spectacular_sidecar", "django_filters"]
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=ignore)
    assert (tmp_path / "measures" / "cbm.css.gz").exists()
    visitor = Client()  # a new client builds the middleware, WhiteNoise reads STATIC_ROOT

    plain = visitor.get("/static/measures/cbm.css")
    css = b"".join(plain.streaming_content)
    packed = visitor.get("/static/measures/cbm.css", **GZIP)
    assert plain["Content-Type"].startswith("text/css") and "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(packed.streaming_content)) == css
    assert "accept-encoding" in vary(packed)


def test_a_gzipped_scorecard_revalidates_with_its_etag(users):
    api = client(users.reader)
    path = url("scorecards/matrix/")
    first = api.get(path, **GZIP)
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    # The compressed bytes are not the plain ones: the ETag is weak, the same tag.
    assert first["ETag"] == "W/" + api.get(path)["ETag"]

    again = api.get(path, HTTP_IF_NONE_MATCH=first["ETag"], **GZIP)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"].removeprefix("W/") == first["ETag"].removeprefix("W/")
    assert "accept-encoding" in vary(again) or "Content-Encoding" not in again

    # The plain representation's strong tag still answers 304 too.
    assert api.get(path, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    # Another reader, who sees other data, never gets the first one's 304.
    other = client(users.analyst).get(path, HTTP_IF_NONE_MATCH=first["ETag"], **GZIP)
    assert other.status_code == 200


def test_a_write_accepts_the_etag_of_a_gzipped_read(users):
    """Clients send back the ETag they were given, weak or not; a stale one is
    still refused."""
    item = EvidenceFactory(cells=[cell_at(11, "DZ")], summary_en="Long enough to compress. " * 9)
    path = url(f"evidence/{item.public_id}/")
    api = client(users.editor)
    read = api.get(path, **GZIP)
    assert read["Content-Encoding"] == "gzip" and read["ETag"].startswith("W/")
    linked = {"cells": [cell_at(11, "DZ").pk, cell_at(12, "DZ").pk]}
    assert api.patch(path, linked, HTTP_IF_MATCH=read["ETag"], **GZIP).status_code == 200
    assert api.patch(path, linked, HTTP_IF_MATCH=read["ETag"]).status_code == 412
