"""Conditional requests: ETag and Vary, 304 on If-None-Match, 428 without If-Match,
412 when stale, and nothing written when refused."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from measures import services
from tests.api_helpers import (
    RESOURCES,
    SCORECARDS,
    assert_error,
    client,
    footprint,
    token_for,
    url,
)
from tests.factories import EvidenceFactory, assess, cell_at, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


def single_objects():
    """A row of every resource."""
    return [resource.detail_path() for resource in RESOURCES.values()]


def test_every_single_object_and_scorecard_answers_304_to_its_own_etag(users):
    api = client(users.reader)
    for path in [*single_objects(), *SCORECARDS, *(f"{p}?format=csv" for p in SCORECARDS)]:
        first = api.get(url(path))
        assert first.status_code == 200, path
        assert first["ETag"].startswith('"') and first["ETag"].endswith('"'), path
        assert first["Vary"].startswith("Authorization, Cookie"), path
        again = api.get(url(path), HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, path
        assert again.content == b""
        assert again["ETag"] == first["ETag"] and again["Vary"] == first["Vary"]
        weak = api.get(url(path), HTTP_IF_NONE_MATCH=f'"other", W/{first["ETag"]}')
        assert weak.status_code == 304, path
        other = api.get(url(path), HTTP_IF_NONE_MATCH='"something-else"')
        assert other.status_code == 200, path


def test_two_viewers_with_different_clearances_get_different_etags(users):
    reader, analyst = client(users.reader), client(users.analyst)
    for path in [*single_objects(), *SCORECARDS]:
        mine, theirs = reader.get(url(path)), analyst.get(url(path))
        assert mine["ETag"] != theirs["ETag"], path
        # An ETag another audience holds is not a match for me.
        assert reader.get(url(path), HTTP_IF_NONE_MATCH=theirs["ETag"]).status_code == 200


def test_two_viewers_who_see_the_same_data_share_an_etag(users):

    twin = make_user("reader_twin", role="reader", clearance="public")
    for path in SCORECARDS:
        assert client(users.reader).get(url(path))["ETag"] == client(twin).get(url(path))["ETag"]


def test_a_write_changes_the_etag_of_scorecards_and_of_the_cell(users):
    api = client(users.reader)
    cell = cell_at(11, "DZ")
    card, detail = api.get(url("scorecards/countries/DZ/")), api.get(url(f"cells/{cell.pk}/"))
    assess(users.editor, cell, "agreed", D(2013, 1, 1))
    for path, old in [("scorecards/countries/DZ/", card), (f"cells/{cell.pk}/", detail)]:
        response = api.get(url(path), HTTP_IF_NONE_MATCH=old["ETag"])
        assert response.status_code == 200 and response["ETag"] != old["ETag"], path


def test_history_of_a_cell_has_its_own_etag(users):
    api = client(users.reader)
    path = url(f"cells/{cell_at(17, 'DZ').pk}/")
    today = api.get(path)
    then = api.get(path, {"as_of": "2009-01-01"}, HTTP_IF_NONE_MATCH=today["ETag"])
    assert then.status_code == 200 and then.json()["level"] == "not_started"
    assert then["ETag"] != today["ETag"]


def test_a_304_scorecard_costs_the_authentication_and_one_revision_lookup(users):
    token = token_for(users.reader)
    api = client(token=token)
    for path in SCORECARDS:
        tag = api.get(url(path))["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url(path), HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 304
        tables = [query_tables(q["sql"]) for q in queries.captured_queries]
        # The token with its user and the user's profile (whose access snapshot
        # names the audience), then the latest revision among the markings the
        # reader may see (one statement). Nothing else.
        assert tables == [
            {"knox_authtoken", "auth_user", "measures_userprofile"},
            {"measures_audiencerevision", "measures_marking"},
        ], path


def test_a_304_under_a_browser_session_costs_the_session_the_user_and_one_revision_lookup(
    users,
):
    browser = Client()
    browser.force_login(users.reader)
    for path in SCORECARDS:
        tag = browser.get(url(path))["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url(path), HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 304
        assert [query_tables(q["sql"]) for q in queries.captured_queries] == [
            {"django_session"},
            {"auth_user", "measures_userprofile"},
            {"measures_audiencerevision", "measures_marking"},
        ], path


def query_tables(sql):
    return set(re.findall(r'(?:FROM|JOIN) "?(\w+)"?', sql))


# --- If-Match on writes ----------------------------------------------------------------


def cell_patch(api, cell, **headers):
    return api.patch(
        url(f"cells/{cell.pk}/"),
        {"level": "implemented", "effective_on": "2013-01-01", "rationale": "Done."},
        **headers,
    )


def test_a_cell_patch_without_if_match_is_428_and_writes_nothing(users):
    cell = cell_at(11, "DZ")
    before = footprint()
    body = assert_error(cell_patch(client(users.editor), cell), 428)
    assert body["code"] == "precondition_required"
    assert footprint() == before


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_cell_patch_with_a_stale_if_match_is_412_and_writes_nothing(users):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    stale = api.get(url(f"cells/{cell.pk}/"))["ETag"]
    assess(users.admin, cell, "agreed", D(2012, 1, 1))  # someone else wrote first
    before = footprint()
    body = assert_error(cell_patch(api, cell, HTTP_IF_MATCH=stale), 412)
    assert body["code"] == "precondition_failed"
    assert footprint() == before
    fresh = api.get(url(f"cells/{cell.pk}/"))["ETag"]
    assert cell_patch(api, cell, HTTP_IF_MATCH=fresh).status_code == 200


def test_an_etag_read_by_someone_else_or_for_history_is_not_an_if_match(users):
    cell = cell_at(11, "DZ")
    theirs = client(users.reader).get(url(f"cells/{cell.pk}/"))["ETag"]
    history = client(users.editor).get(url(f"cells/{cell.pk}/"), {"as_of": "2010-01-01"})
    before = footprint()
    assert_error(cell_patch(client(users.editor), cell, HTTP_IF_MATCH=theirs), 412)
    assert_error(cell_patch(client(users.editor), cell, HTTP_IF_MATCH=history["ETag"]), 412)
    assert footprint() == before


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_if_match_star_accepts_the_current_version(users):
    cell = cell_at(11, "DZ")
    assert cell_patch(client(users.editor), cell, HTTP_IF_MATCH="*").status_code == 200


@pytest.mark.parametrize("write", ["remark", "link", "retract"])
def test_evidence_writes_need_a_current_if_match(users, write):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    api = client(users.confidential_editor)
    path = f"evidence/{item.public_id}/"
    stale = api.get(url(path))["ETag"]
    # Someone else links it to another cell first: its version moves on.
    services.attach_evidence(users.admin, item, expected_version=1, cells=[cell_at(12, "MA")])

    def send(**headers):
        if write == "retract":
            return api.post(url(f"{path}retract/"), {"reason": "x"}, **headers)
        payload = (
            {"marking": {"level": "restricted"}}
            if write == "remark"
            else {"cells": [cell_at(18, "MA").pk]}
        )
        return api.patch(url(path), payload, **headers)

    before = footprint()
    assert_error(send(), 428)
    assert_error(send(HTTP_IF_MATCH=stale), 412)
    assert footprint() == before
    response = send(HTTP_IF_MATCH=api.get(url(path))["ETag"])
    assert response.status_code == 200, response.json()
