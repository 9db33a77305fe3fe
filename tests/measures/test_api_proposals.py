"""The review workflow through the API: a recording that waits answers 202
with the proposal; /proposals/ lists, shows and decides them."""

import datetime

import pytest

from measures import services
from measures.models import Assessment, Cell, Proposal
from tests.api_helpers import client
from tests.factories import assess, cell_at, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = datetime.date


@pytest.fixture
def reviewer(db):
    return make_user("editor_dz2", role="editor", clearance="restricted", countries=["DZ"])


def post_assessment(api, user, cell, level, **extra):
    return api.post(
        f"{API}/assessments/",
        {
            "cell": cell.pk,
            "expected_version": cell.version_for(user),
            "level": level,
            "effective_on": "2020-01-01",
            "rationale_en": "Seen at the border.",
            **extra,
        },
        format="json",
    )


def propose(users, cell=None):
    cell = cell or cell_at(11, "DZ")
    response = post_assessment(client(users.editor), users.editor, cell, "implemented")
    assert response.status_code == 202, response.json()
    return response


def test_a_change_of_level_answers_202_with_the_proposal_and_where_to_follow_it(users):
    cell = cell_at(11, "DZ")
    before = Assessment.objects.count()
    response = propose(users, cell)
    body = response.json()
    assert response["Location"].endswith(f"{API}/proposals/{body['id']}/")
    assert body["state"] == "open" and body["level"] == "implemented"
    assert body["current_level"] == Cell.objects.with_level(users.editor).get(pk=cell.pk).level
    assert body["proposed_by"] == users.editor.username and body["assessment"] is None
    assert Assessment.objects.count() == before
    follow = client(users.editor).get(response["Location"])
    assert follow.status_code == 200 and follow.json() == body


def test_a_reconfirmation_is_still_201_under_the_default_policy(users):
    cell = cell_at(11, "DZ")
    level = Cell.objects.with_level(users.editor).get(pk=cell.pk).level
    response = post_assessment(client(users.editor), users.editor, cell, level)
    assert response.status_code == 201, response.json()


def test_with_review_off_a_change_is_published_at_once(users, review_off):
    response = post_assessment(client(users.editor), users.editor, cell_at(11, "DZ"), "agreed")
    assert response.status_code == 201


def test_patching_a_cell_to_another_level_also_waits(users):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    etag = api.get(f"{API}/cells/{cell.pk}/")["ETag"]
    response = api.patch(
        f"{API}/cells/{cell.pk}/",
        {"level": "agreed", "effective_on": "2020-01-01", "rationale": "Talks."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 202, response.json()
    assert response.json()["level"] == "agreed"
    assert api.get(f"{API}/cells/{cell.pk}/")["ETag"] == etag  # nothing published


def test_the_list_filters_by_state_country_and_measure(users, reviewer):
    propose(users, cell_at(11, "DZ"))
    propose(users, cell_at(12, "MA"))
    api = client(users.admin)

    def ids(query):
        return [p["country"] for p in api.get(f"{API}/proposals/{query}").json()["results"]]

    assert sorted(ids("")) == ["DZ", "MA"]
    assert ids("?country=ma") == ["MA"]
    assert ids("?measure=11") == ["DZ"]
    assert ids("?state=approved") == []
    assert api.get(f"{API}/proposals/?state=maybe").status_code == 400
    # The Algerian reviewer sees Algeria's only.
    assert [p["country"] for p in client(reviewer).get(f"{API}/proposals/").json()["results"]] == [
        "DZ"
    ]


def test_readers_and_editors_out_of_scope_see_no_proposal(users):
    body = propose(users).json()
    tunisian = make_user("editor_tn", role="editor", clearance="confidential", countries=["TN"])
    for user in (users.reader, users.analyst, tunisian):
        api = client(user)
        assert api.get(f"{API}/proposals/").json()["count"] == 0
        assert api.get(f"{API}/proposals/{body['id']}/").status_code == 404
        assert api.post(
            f"{API}/proposals/{body['id']}/approve/", {}, format="json"
        ).status_code in (
            403,
            404,
        )


def test_approve_with_if_match_publishes(users, reviewer):
    body = propose(users).json()
    api = client(reviewer)
    detail = api.get(f"{API}/proposals/{body['id']}/")
    response = api.post(
        f"{API}/proposals/{body['id']}/approve/",
        {"comment": "Checked."},
        format="json",
        HTTP_IF_MATCH=detail["ETag"],
    )
    assert response.status_code == 200, response.json()
    decided = response.json()
    assert decided["state"] == "approved" and decided["decided_by"] == reviewer.username
    assert response["ETag"] != detail["ETag"]
    published = client(users.reader).get(f"{API}/assessments/{decided['assessment']}/")
    assert published.status_code == 200
    assert published.json()["recorded_by"] == users.editor.username


def test_a_decision_needs_the_version_read(users, reviewer):
    body = propose(users).json()
    url = f"{API}/proposals/{body['id']}/approve/"
    api = client(reviewer)
    assert api.post(url, {}, format="json").status_code == 428
    assert api.post(url, {}, format="json", HTTP_IF_MATCH='"stale"').status_code == 412
    assert api.post(url, {"expected_version": 9}, format="json").status_code == 412
    assert api.post(url, {"expected_version": 1}, format="json").status_code == 200


def test_the_author_cannot_approve_and_a_return_needs_a_comment(users, reviewer):
    body = propose(users).json()
    author = client(users.editor)
    response = author.post(
        f"{API}/proposals/{body['id']}/approve/", {"expected_version": 1}, format="json"
    )
    assert response.status_code == 403
    url = f"{API}/proposals/{body['id']}/return/"
    assert client(reviewer).post(url, {"expected_version": 1}, format="json").status_code == 400
    response = client(reviewer).post(
        url, {"expected_version": 1, "comment": "Which source?"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "returned"


def test_the_author_withdraws_or_proposes_again(users, reviewer):
    first = propose(users).json()
    client(reviewer).post(
        f"{API}/proposals/{first['id']}/return/",
        {"expected_version": 1, "comment": "Date?"},
        format="json",
    )
    cell = cell_at(11, "DZ")
    author = client(users.editor)
    response = author.post(
        f"{API}/proposals/{first['id']}/repropose/",
        {"expected_version": cell.version_for(users.editor), "effective_on": "2019-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    again = response.json()
    assert again["supersedes"] == first["id"] and again["effective_on"] == "2019-06-01"
    assert response["Location"].endswith(f"/proposals/{again['id']}/")
    response = author.post(
        f"{API}/proposals/{again['id']}/withdraw/", {"expected_version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_a_stale_approval_is_refused_naming_no_version(users, reviewer):
    body = propose(users).json()
    assess(services.system_actor(), cell_at(11, "DZ"), "partial", D(2018, 1, 1))
    response = client(reviewer).post(
        f"{API}/proposals/{body['id']}/approve/", {"expected_version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "changed since this proposal" in response.content.decode()
    assert Proposal.objects.get(public_id=body["id"]).state == "open"


def test_published_views_never_show_a_proposal(users):
    propose(users)
    api = client(users.admin)
    levels = {
        c["id"]: c["level"]
        for c in api.get(f"{API}/cells/?country=DZ&measure=11").json()["results"]
    }
    assert "implemented" not in levels.values()
    changes = api.get(f"{API}/changes/?since=0&limit=1000").json()["results"]
    assert changes and all(r["type"] != "proposal" for r in changes)
    assert not [r for r in changes if r["message"] == "Proposed for review"]
