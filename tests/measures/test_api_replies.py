"""Right of reply in the API: /replies/ (list, filters, create, retract) and
the ``replies`` of an assessment, visible replies only, in a fixed number of
queries."""

import datetime

import pytest

from measures import services
from measures.models import Reply
from tests.api_helpers import (
    assert_error,
    client,
    everything,
    feed_cursor,
    footprint,
    results,
    token_for,
    url,
)
from tests.factories import EvidenceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def liaison(db):
    return make_user("liaison_ma", role="respondent", clearance="restricted", countries=["MA"])


@pytest.fixture
def answered(users):
    return assess(users.editor, cell_at(11, "MA"), "partial", D(2013, 2, 1), rationale="Half.")


def test_a_respondent_posts_a_reply_and_reads_it_back(liaison, answered):
    evidence = EvidenceFactory(cells=[cell_at(11, "MA")])
    response = client(liaison).post(
        url("replies/"),
        {
            "assessment": str(answered.public_id),
            "text_fr": "Le registre est publié.",
            "evidence": [str(evidence.public_id)],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    reply = Reply.objects.get()
    assert body["id"] == str(reply.public_id)
    assert body["assessment"] == str(answered.public_id)
    assert (body["country"], body["text_fr"], body["text_en"]) == (
        "MA",
        "Le registre est publié.",
        "",
    )
    assert body["evidence"] == [str(evidence.public_id)]
    assert body["marking"]["level"] == "public"
    assert (body["version"], body["retracted"], body["created_by"]) == (1, False, "liaison_ma")
    assert response["ETag"]
    got = client(liaison).get(url(f"replies/{reply.public_id}/"))
    assert got.json() == body
    assert got["ETag"] == response["ETag"]


def test_assessments_carry_their_visible_replies(liaison, answered, users):
    services.reply_to_assessment(liaison, answered, text_en="Seen.")
    services.reply_to_assessment(
        liaison, answered, text_en="Restricted detail.", marking=marking("restricted")
    )
    path = url(f"assessments/{answered.public_id}/")
    editor_sees = client(users.editor).get(path).json()["replies"]
    assert [r["text_en"] for r in editor_sees] == ["Seen.", "Restricted detail."]
    reader_sees = client(users.reader).get(path).json()["replies"]
    assert [r["text_en"] for r in reader_sees] == ["Seen."]


def test_the_list_filters_by_country_and_assessment(liaison, answered, users):
    other = assess(users.editor, cell_at(12, "MA"), "agreed", D(2013, 2, 1))
    first = services.reply_to_assessment(liaison, answered, text_en="One.")
    services.reply_to_assessment(liaison, other, text_en="Two.")
    api = client(users.reader)
    assert len(everything(api, "replies/")) == 2
    assert len(everything(api, "replies/", country="ma")) == 2
    assert everything(api, "replies/", country="DZ") == []
    only = everything(api, "replies/", assessment=str(answered.public_id))
    assert [r["id"] for r in only] == [str(first.public_id)]


def test_refusals_are_the_uniform_errors_and_write_nothing(liaison, answered, users):
    before = footprint(), Reply.objects.count()
    body = {"assessment": str(answered.public_id), "text_en": "Ours."}
    assert_error(client(users.editor).post(url("replies/"), body, format="json"), 403)
    assert_error(
        client(liaison).post(url("replies/"), {**body, "text_en": ""}, format="json"),
        400,
        "text_en",
    )
    assert_error(
        client(liaison).post(url("replies/"), {**body, "version": 3}, format="json"),
        400,
        "version",
    )
    assert_error(
        client(liaison).post(
            url("replies/"), {**body, "marking": {"level": "confidential"}}, format="json"
        ),
        403,
    )
    assert (footprint(), Reply.objects.count()) == before


def test_a_hidden_assessment_is_refused_like_an_unknown_one(liaison, users):
    hidden = assess(
        users.confidential_editor,
        cell_at(11, "MA"),
        "implemented",
        D(2013, 3, 1),
        marking=marking("confidential", "MA"),
    )
    api = client(liaison)
    refused = api.post(url("replies/"), {"assessment": str(hidden.public_id), "text_en": "?"})
    unknown = api.post(
        url("replies/"), {"assessment": "00000000-0000-4000-8000-000000000000", "text_en": "?"}
    )
    assert_error(refused, 400, "assessment")
    assert refused.json()["fields"]["assessment"] == [
        m.replace("00000000-0000-4000-8000-000000000000", str(hidden.public_id))
        for m in unknown.json()["fields"]["assessment"]
    ]


def test_retract_with_if_match_or_expected_version(liaison, answered):
    api = client(liaison)
    reply = services.reply_to_assessment(liaison, answered, text_en="One.")
    path = url(f"replies/{reply.public_id}/retract/")
    assert_error(api.post(path, {"reason": "Early."}, format="json"), 428)
    assert_error(api.post(path, {"reason": "Early."}, format="json", HTTP_IF_MATCH='"x"'), 412)
    etag = api.get(url(f"replies/{reply.public_id}/"))["ETag"]
    done = api.post(path, {"reason": "Early."}, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200, done.content
    assert (done.json()["retracted"], done.json()["version"]) == (True, 2)

    second = services.reply_to_assessment(liaison, answered, text_en="Two.")
    path = url(f"replies/{second.public_id}/retract/")
    assert_error(api.post(path, {"reason": "Old.", "expected_version": 5}, format="json"), 412)
    done = api.post(path, {"reason": "Old.", "expected_version": 1}, format="json")
    assert done.status_code == 200, done.content
    assert everything(api, "replies/", retracted="true")[0]["retracted_reason"] == "Early."


def test_no_update_or_delete(liaison, answered):
    reply = services.reply_to_assessment(liaison, answered, text_en="One.")
    api = client(liaison)
    path = url(f"replies/{reply.public_id}/")
    assert api.patch(path, {"text_en": "Edited."}, format="json").status_code == 405
    assert api.delete(path).status_code == 405


def test_assessments_with_replies_cost_the_same_queries_however_many(
    liaison, users, django_assert_num_queries
):
    """The replies and their evidence come in two prefetch queries, never one per row:
    the token, the revision (the list's ETag), COUNT(*), the page, the visible evidence,
    the replies, their evidence."""
    token = token_for(users.editor)
    evidence = EvidenceFactory(cells=[cell_at(11, "MA")])
    for numbers in ([11], [1, 4, 5, 6, 12]):
        for number in numbers:
            a = assess(users.editor, cell_at(number, "MA"), "agreed", D(2013, 2, 1))
            services.reply_to_assessment(liaison, a, text_en="Yes.", evidence=[evidence])
        with django_assert_num_queries(7):
            rows = results(client(token=token).get(url("assessments/"), {"page_size": 1000}))
        assert sum(len(r["replies"]) for r in rows) == {1: 1, 5: 6}[len(numbers)]


def test_the_change_feed_names_a_reply_and_its_assessment_by_their_ids(liaison, answered, users):
    cursor = feed_cursor()
    reply = services.reply_to_assessment(liaison, answered, text_en="Seen.")
    rows = results(client(users.reader).get(url("changes/"), {"since": cursor}))
    assert [(r["type"], r["action"], r["object_id"], r["after"]["assessment"]) for r in rows] == [
        ("reply", "create", str(reply.public_id), str(answered.public_id))
    ]
