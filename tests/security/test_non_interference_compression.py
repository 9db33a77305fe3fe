"""Non-interference for compression: a gzipped response adds one observable,
its compressed bytes (and so their length), and it must not move when
someone writes what the viewer may not see.

Django's gzip is deterministic (no time in the header) but for a random file
name of 1–100 bytes it writes into every response's header (a BREACH
mitigation, docs/security.md "Compression"); with that name removed, the
compressed stream of a JSON or CSV representation is compared byte for
byte. A page's HTML also carries a CSRF token masked anew in every response,
so its compressed bytes differ between any two looks: its body is compared
once decompressed (token masked), with the headers — the stream is then a
function of bytes already shown unchanged, plus the per-response randomness.
The positive control: the viewer who may see the write finds its stream changed.
"""

import gzip
import re

import pytest
from django.test import Client

from tests.canaries import moroccan_canary

pytestmark = pytest.mark.django_db

# The canary raises 6·MA, confidential and releasable to Morocco; these may not see it.
BLIND = ["reader", "restricted_reader", "editor", "analyst", "french_analyst"]
STREAMS = [  # no CSRF token: compared compressed, byte for byte
    "/api/v1/scorecards/matrix/",
    "/api/v1/scorecards/matrix/?format=csv",
    "/api/v1/scorecards/countries/MA/",
    "/api/v1/scorecards/measures/6/?format=csv",
    "/api/v1/cells/?country=MA",
]
PAGES = ["/", "/countries/MA/", "/measures/6/"]  # compared decompressed, token masked
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
# New in every response whatever was written (time, request id, the session's
# cookies) — and a page's compressed length, which follows its CSRF token.
VOLATILE = {"date", "expires", "x-request-id", "set-cookie"}
FNAME = 0x08


def without_random_name(stream):
    """The gzip stream as if Django had written no file name in its header."""
    assert stream[:2] == b"\x1f\x8b" and stream[3] & FNAME
    end = stream.index(b"\x00", 10)
    return stream[:3] + bytes([stream[3] & ~FNAME]) + stream[4:10] + stream[end + 1 :]


def headers(response, *volatile):
    skip = VOLATILE | set(volatile)
    return sorted((k.lower(), v) for k, v in response.items() if k.lower() not in skip)


def observe(user):
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    seen = {}
    for path in STREAMS:
        response = client.get(path)
        assert response.get("Content-Encoding") == "gzip", (path, response.status_code)  # aimed
        # Content-Length counts the random name: its own length is compared instead.
        length = len(without_random_name(response.content))
        seen[path] = (
            response.status_code,
            headers(response, "content-length"),
            without_random_name(response.content),
            length,
        )
    for path in PAGES:
        response = client.get(path)
        assert response.get("Content-Encoding") == "gzip", (path, response.status_code)
        body = CSRF.sub(b"", gzip.decompress(response.content))
        seen[path] = (response.status_code, headers(response, "content-length"), body)
    return seen


def test_two_looks_with_nothing_written_are_identical(users):
    assert observe(users.reader) == observe(users.reader)


@pytest.mark.parametrize("name", BLIND)
def test_a_hidden_write_moves_no_compressed_byte(users, name):
    viewer = getattr(users, name)
    before = observe(viewer)
    moroccan_canary(users)
    after = observe(viewer)
    for path in STREAMS + PAGES:
        assert before[path] == after[path], path


def test_the_viewer_who_may_see_it_finds_the_compressed_stream_changed(users):
    before = observe(users.moroccan_analyst)
    moroccan_canary(users)
    after = observe(users.moroccan_analyst)
    changed = [path for path in STREAMS + PAGES if before[path] != after[path]]
    assert set(changed) >= {"/api/v1/scorecards/countries/MA/", "/countries/MA/"}, changed
