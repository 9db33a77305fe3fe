"""/api/v1/changes/: what was recorded after a cursor, paged by opaque cursors."""

import datetime
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from countries.models import Initiative, Membership
from measures import services
from measures.models import (
    Assessment,
    Cell,
    ChangeRecord,
    Evidence,
    RevisionCounter,
    Source,
)
from tests.api_helpers import (
    assert_error,
    client,
    feed_cursor,
    url,
)
from tests.canaries import moroccan_canary
from tests.factories import EvidenceFactory, assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


def write_some(users):
    """Single-record revisions, multi-record revisions, a batch, a retraction,
    a membership and a confidential write."""
    first = assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    assess(users.editor, cell_at(11, "MA"), "partial", D(2012, 2, 1), evidence=[item])
    cells = [cell_at(12, "DZ"), cell_at(12, "MA"), cell_at(12, "TN")]
    services.record_assessments(
        users.admin,
        {c: c.version_for(users.admin) for c in cells},
        level="not_started",
        effective_on=D(2012, 3, 1),
        rationale_en="Batch.",
    )
    cell = Cell.objects.get(pk=first.cell_id)
    services.retract_assessment(
        users.editor, first, reason="Wrong.", expected_version=cell.version_for(users.editor)
    )
    services.save_reference(
        users.admin,
        Membership(
            country_id="TD",  # a "second ring" state: no membership of CEMOC yet
            initiative=Initiative.objects.get(slug="cemoc"),
            role="observer",
            start=D(2012, 7, 1),
            start_precision="month",
        ),
    )
    canary = moroccan_canary(users)
    for n in range(3):
        assess(users.admin, cell_at(19, "DZ"), "under_discussion", D(2012, 4, n + 1))
    return canary


def poll(api, since, limit):
    """Follow the cursor to the end; return every record and the pages."""
    seen, pages = [], []
    while True:
        body = api.get(url("changes/"), {"since": since, "limit": limit}).json()
        pages.append(body["results"])
        if not body["results"]:
            assert body["next"] == since
            return seen, pages
        assert body["next"] == body["results"][-1]["id"]
        seen += body["results"]
        since = body["next"]


def expected(user, since):
    """The records after the cursor ``since`` (a public id) that ``user`` may
    see, in commit order."""
    after = ChangeRecord.objects.get(public_id=since)
    return list(
        ChangeRecord.objects.visible_to(user)
        .filter(Q(revision__gt=after.revision) | Q(revision=after.revision, id__gt=after.id))
        .exclude(content_type__model="userprofile")
        .order_by("revision", "id")
        .values_list("public_id", "content_type__model", "action")
    )


@pytest.mark.parametrize("limit", [1, 2, 3, 1000])
@pytest.mark.parametrize("role", ["reader", "editor", "moroccan_analyst"])
def test_paging_by_cursor_never_misses_or_repeats_a_record(users, limit, role):
    since = feed_cursor()
    write_some(users)
    api = client(getattr(users, role))
    seen, pages = poll(api, since, limit)
    got = [(uuid.UUID(r["id"]), r["type"], r["action"]) for r in seen]
    assert got == expected(getattr(users, role), since)
    assert len(set(got)) == len(got)
    assert all(len(page) <= limit for page in pages)  # a page never exceeds the limit
    for page, following in zip(pages, pages[1:], strict=False):
        if following:
            assert len(page) == limit  # a short page is the last one
    assert "revision" not in str([set(r) for r in seen])


def test_a_page_may_end_inside_a_revision_and_the_next_resumes_there(users):
    since = feed_cursor()
    cells = [cell_at(12, "DZ"), cell_at(12, "MA"), cell_at(12, "TN")]
    services.record_assessments(
        users.admin,
        {c: c.version_for(users.admin) for c in cells},
        level="not_started",
        effective_on=D(2012, 3, 1),
        rationale_en="Batch.",
    )
    batch = list(
        ChangeRecord.objects.filter(revision=ChangeRecord.objects.latest("revision").revision)
        .order_by("id")
        .values_list("public_id", flat=True)
    )
    assert len(batch) == 3
    api = client(users.reader)
    first = api.get(url("changes/"), {"since": since, "limit": 2}).json()
    assert [r["id"] for r in first["results"]] == [str(p) for p in batch[:2]]
    assert first["next"] == str(batch[1])
    rest = api.get(url("changes/"), {"since": first["next"], "limit": 2}).json()
    assert [r["id"] for r in rest["results"]] == [str(batch[2])]


def test_a_record_carries_who_did_what_when(users):
    since = feed_cursor()
    assessment = assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    records = client(users.reader).get(url("changes/"), {"since": since}).json()["results"]
    created = next(r for r in records if r["type"] == "assessment")
    assert set(created) == {
        "id",
        "time",
        "type",
        "action",
        "object_id",
        "object",
        "actor",
        "message",
        "before",
        "after",
        "drop",
    }
    assert created["drop"] is False
    record = ChangeRecord.objects.get(
        content_type__model="assessment", object_id=str(assessment.pk), action="create"
    )
    assert (created["id"], created["action"], created["object_id"]) == (
        str(record.public_id),
        "create",
        str(assessment.public_id),
    )
    assert (created["actor"], created["message"]) == ("editor_dz", "Assessment recorded")
    assert created["after"]["level"] == "agreed" and created["before"] is None
    # Snapshots name rows by handle, never by internal id or revision.
    after = created["after"]
    assert {"id", "revision", "cell_id", "recorded_by_id"}.isdisjoint(after)
    assert (after["cell"], after["recorded_by"]) == (assessment.cell_id, "editor_dz")


def test_records_written_before_the_rename_keep_their_status_key(users):
    """An assessment's snapshot named its cell ``status_id`` before issue 12:
    such a record keeps its key (``status``) and its cell id still resolves."""
    since = feed_cursor()
    assessment = assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    record = ChangeRecord.objects.get(
        content_type__model="assessment", object_id=str(assessment.pk), action="create"
    )
    record.after = {
        ("status_id" if key == "cell_id" else key): value for key, value in record.after.items()
    }
    record.save(update_fields=["after"])
    records = client(users.reader).get(url("changes/"), {"since": since}).json()["results"]
    after = next(r for r in records if r["type"] == "assessment")["after"]
    assert after["status"] == assessment.cell_id and "cell" not in after
    assert {"id", "revision", "status_id", "recorded_by_id"}.isdisjoint(after)


def test_hidden_records_are_absent_and_account_changes_are_never_news(users):
    since = feed_cursor()
    canary = write_some(users)
    reader = client(users.reader).get(url("changes/"), {"since": since, "limit": 1000}).json()
    cleared = client(users.moroccan_analyst).get(url("changes/"), {"since": since, "limit": 1000})
    hidden = {("assessment", str(canary.assessment.public_id))} | {
        ("evidence", str(canary.evidence.public_id))
    }
    hidden_records = {
        str(r.public_id)
        for r in ChangeRecord.objects.filter(
            Q(content_type__model="assessment", object_id=str(canary.assessment.pk))
            | Q(content_type__model="evidence", object_id=str(canary.evidence.pk))
        )
    }
    assert hidden_records
    assert not hidden_records & {r["id"] for r in reader["results"]}
    assert not hidden & {(r["type"], r["object_id"]) for r in reader["results"]}
    assert canary.text not in str(reader)
    assert hidden_records <= {r["id"] for r in cleared.json()["results"]}
    assert hidden <= {(r["type"], r["object_id"]) for r in cleared.json()["results"]}
    everything = client(users.admin).get(url("changes/"), {"since": "0", "limit": 1000}).json()
    assert ChangeRecord.objects.filter(content_type__model="userprofile").exists()
    assert "userprofile" not in {r["type"] for r in everything["results"]}


def test_retractions_and_memberships_are_in_the_feed(users):
    since = feed_cursor()
    write_some(users)
    records = client(users.reader).get(url("changes/"), {"since": since, "limit": 1000}).json()
    kinds = {(r["type"], r["action"]) for r in records["results"]}
    assert {("assessment", "retract"), ("membership", "create"), ("evidence", "create")} <= kinds


def test_a_first_call_may_start_from_a_timestamp(users):
    assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    start = timezone.now()
    later = assess(users.editor, cell_at(11, "MA"), "agreed", D(2012, 1, 1))
    api = client(users.reader)
    aware, naive = start.isoformat(), start.strftime("%Y-%m-%dT%H:%M:%S.%f")
    written = [
        str(p)
        for p in ChangeRecord.objects.filter(revision=later.revision)
        .order_by("id")
        .values_list("public_id", flat=True)
    ]
    for since in (aware, naive, aware.replace("+", " "), naive + "Z"):  # " ": an unencoded "+"
        body = api.get(url("changes/"), {"since": since}).json()
        assert [r["id"] for r in body["results"]] == written
        assert body["next"] == written[-1]
        assert body["since"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    body = api.get(url("changes/"), {"since": timezone.now().isoformat()}).json()
    assert (body["results"], body["next"]) == ([], None)


def test_the_feed_does_not_count_rows_and_varies_by_caller(users):
    since = feed_cursor()
    write_some(users)
    with CaptureQueriesContext(connection) as queries:
        response = client(users.reader).get(url("changes/"), {"since": since, "limit": 2})
    assert response.status_code == 200
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert response["Vary"].startswith("Authorization, Cookie")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2024-01-01"}, "since"),  # a date is not a timestamp
        ({"since": "2024-13-45T00:00:00"}, "since"),
        ({"since": "-1"}, "since"),
        ({"since": "²"}, "since"),
        ({"since": "99999999999999999999999"}, "since"),
        ({"since": "5"}, "since"),  # a revision number is no cursor
        ({"since": "00000000-0000-0000-0000-000000000000"}, "since"),  # an unknown cursor
        ({"since": "0000000-0000-0000-0000-0000000000000"}, "since"),  # not a cursor's shape
        ({"limit": "0"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": "²"}, "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_a_400(users, params, field):
    assert_error(client(users.reader).get(url("changes/"), params), 400, field)


def test_a_limit_above_1000_is_capped_at_1000(users):
    """1100 one-record revisions (written as the bulk paths write them)."""
    cursor = feed_cursor()
    since = ChangeRecord.objects.latest("revision").revision
    actor = services.system_actor()
    kind = ContentType.objects.get_for_model(Cell)
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            revision=since + n,
            actor=actor,
            actor_username=actor.username,
            action="update",
            content_type=kind,
            object_id="1",
            object_repr="1",
        )
        for n in range(1, 1101)
    )
    RevisionCounter.objects.filter(pk=1).update(value=since + 1100)
    thousandth = ChangeRecord.objects.get(revision=since + 1000)
    body = client(users.reader).get(url("changes/"), {"since": cursor, "limit": 100000}).json()
    assert len(body["results"]) == 1000 and body["next"] == str(thousandth.public_id)
    body = client(users.reader).get(url("changes/"), {"since": body["next"]}).json()
    assert len(body["results"]) == 100  # the default limit


VISIBLE = {
    "evidence": Evidence,
    "assessment": Assessment,
    "source": Source,
    "initiative": Initiative,
    "membership": Membership,
}


def leaks(viewer, types):
    """Records in the caller's whole history about rows the caller may not see."""
    body = client(viewer).get(url("changes/"), {"since": 0, "limit": 1000}).json()
    first = ChangeRecord.objects.order_by("revision", "id").first()
    assert first.revision == 1  # the seed
    assert body["results"] and body["results"][0]["id"] == str(first.public_id)
    records = dict(
        ChangeRecord.objects.filter(
            public_id__in=[r["id"] for r in body["results"] if r["type"] in types]
        ).values_list("public_id", "object_id")
    )
    return [
        (r["type"], r["object_id"], r["object"])
        for r in body["results"]
        if r["type"] in types
        and not VISIBLE[r["type"]]
        .objects.visible_to(viewer)
        .filter(pk=records[uuid.UUID(r["id"])])
        .exists()
    ]


@pytest.mark.parametrize("role", ["reader", "french_analyst"])
def test_the_whole_history_shows_no_hidden_evidence_assessment_source_or_membership(users, role):
    assert leaks(getattr(users, role), {"evidence", "assessment", "source", "membership"}) == []


def test_the_whole_history_shows_no_hidden_initiative(users):
    assert leaks(users.reader, {"initiative"}) == []


def test_deleting_a_confidential_membership_does_not_reveal_it_in_the_feed(users):
    since = feed_cursor()
    membership = Membership.objects.get(initiative__slug="active-endeavour", country_id="MA")
    services.delete_reference(users.admin, membership, expected_version=membership.version)
    body = client(users.reader).get(url("changes/"), {"since": since}).json()
    assert body["results"] == [], body["results"]


def test_history_follows_a_re_marking_up(users):
    """Evidence recorded public, then re-marked confidential: its whole history
    leaves the feed of a reader who may no longer see it (issue 11, item 1)."""
    since = feed_cursor()
    item = EvidenceFactory(cells=[cell_at(11, "MA")], quote="Seen at the border.")
    reader, analyst = client(users.reader), client(users.analyst)
    ids = {
        str(r.public_id)
        for r in ChangeRecord.objects.filter(content_type__model="evidence", object_id=str(item.pk))
    }
    before = reader.get(url("changes/"), {"since": since}).json()["results"]
    assert ids and ids <= {r["id"] for r in before}
    services.remark_evidence(
        users.admin, item, marking("confidential", "nato"), expected_version=item.version
    )
    shown = reader.get(url("changes/"), {"since": since}).json()["results"]
    assert not ids & {r["id"] for r in shown}
    assert "Seen at the border." not in str(shown)
    cleared = analyst.get(url("changes/"), {"since": since}).json()["results"]
    assert ids <= {r["id"] for r in cleared}  # a NATO-affiliated confidential reader
