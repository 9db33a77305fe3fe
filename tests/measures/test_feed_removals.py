"""The change feed tells each client what to drop (issue 16, point 3).

A row re-marked out of a viewer's sight reaches that viewer as one ``hide``
record naming the row by the handle they knew, and nothing more; a row
re-marked into sight arrives as a ``show`` record with what it became;
retractions and deletions carry ``drop: true``. All of it is computed per
viewer from the records' ``marked_from``/``marked_to``.
"""

import pytest

from measures import services
from measures.models import ChangeRecord
from tests.api_helpers import client, feed_cursor, url
from tests.factories import EvidenceFactory, cell_at, marking

pytestmark = pytest.mark.django_db


def feed(viewer, since, limit=1000):
    return client(viewer).get(url("changes/"), {"since": since, "limit": limit}).json()["results"]


def about(records, item):
    return [r for r in records if r["type"] == "evidence" and r["object_id"] == str(item.public_id)]


def remark(users, item, level, *releasable_to, actor=None):
    item.refresh_from_db()
    return services.remark_evidence(
        actor or users.admin,
        item,
        marking(level, *releasable_to),
        expected_version=item.version,
        reason="Sensitive sourcing.",
    )


def test_a_row_re_marked_out_of_sight_is_one_hide_record_and_nothing_more(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")], quote="Seen at the border.")
    since = feed_cursor()
    remark(users, item, "confidential", "nato")

    (hide,) = about(feed(users.reader, since), item)
    assert hide == {
        "id": hide["id"],
        "time": hide["time"],
        "type": "evidence",
        "action": "hide",
        "object_id": str(item.public_id),  # the handle the reader knew it by
        "object": None,
        "actor": None,
        "message": "",
        "before": None,
        "after": None,
        "drop": True,
    }
    (record,) = about(feed(users.analyst, since), item)  # a NATO-cleared analyst
    assert record["id"] == hide["id"]  # the same position in the feed for both
    assert record["action"] == "remark" and record["drop"] is False
    assert record["message"] == "Sensitive sourcing." and record["actor"] == "admin_all"
    assert record["after"]["marking"] == marking("confidential", "nato").key


def test_a_row_re_marked_into_sight_is_shown_as_it_became_never_as_it_was(users):
    item = EvidenceFactory(
        cells=[cell_at(11, "MA")], marking=marking("confidential", "nato"), quote="Later."
    )
    since = feed_cursor()
    assert about(feed(users.reader, since), item) == []
    remark(users, item, "public")

    (show,) = about(feed(users.reader, since), item)
    assert show["action"] == "show" and show["drop"] is False
    assert show["before"] is None and show["actor"] is None and show["message"] == ""
    assert show["after"]["marking"] == marking("public").key
    assert show["after"]["quote"] == "Later."
    # Those who saw it before read the re-marking itself, with what it was.
    (record,) = about(feed(users.analyst, since), item)
    assert record["action"] == "remark"
    assert record["before"]["marking"] == marking("confidential", "nato").key


def test_between_parties_each_side_gets_its_own_news(users):
    """Releasable to France, then to Morocco: the French analyst is told to
    drop it, the Moroccan one receives it; a public reader hears of neither."""
    item = EvidenceFactory(cells=[cell_at(11, "MA")], marking=marking("confidential", "FR"))
    since = feed_cursor()
    remark(users, item, "confidential", "MA", actor=services.system_actor())

    assert [r["action"] for r in about(feed(users.french_analyst, since), item)] == ["hide"]
    (news,) = about(feed(users.moroccan_analyst, since), item)
    assert news["action"] == "remark" and news["before"] is None  # incomparable: no "before"
    assert about(feed(users.reader, since), item) == []
    assert feed(users.reader, since) == []


def test_a_row_hidden_then_shown_again_reads_as_drop_then_show(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    since = feed_cursor()
    remark(users, item, "confidential", "nato")
    remark(users, item, "public")
    assert [(r["action"], r["drop"]) for r in about(feed(users.reader, since), item)] == [
        ("hide", True),
        ("show", False),
    ]


def test_retractions_tell_the_client_to_drop_the_row(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    since = feed_cursor()
    services.retract_evidence(users.admin, item, reason="Misquoted.", expected_version=item.version)
    (retraction,) = about(feed(users.reader, since), item)
    assert retraction["action"] == "retract" and retraction["drop"] is True


def test_pages_hold_their_limit_and_resume_across_hide_records(users):
    items = [EvidenceFactory(cells=[cell_at(11, "MA")]) for _ in range(3)]
    since = feed_cursor()
    for item in items:
        remark(users, item, "confidential", "nato")
    seen, cursor = [], since
    while True:
        body = client(users.reader).get(url("changes/"), {"since": cursor, "limit": 1}).json()
        assert len(body["results"]) <= 1
        if not body["results"]:
            break
        seen += body["results"]
        cursor = body["next"]
    assert [(r["action"], r["object_id"]) for r in seen] == [
        ("hide", str(item.public_id)) for item in items
    ]


def test_only_re_markings_keep_where_the_row_came_from(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    remark(users, item, "restricted")
    history = ChangeRecord.objects.filter(content_type__model="evidence", object_id=str(item.pk))
    moved = history.filter(marked_from__isnull=False)
    assert [(r.action, r.marked_from.key, r.marked_to.key) for r in moved] == [
        ("remark", marking("public").key, marking("restricted").key)
    ]
    created = history.get(action="create")
    assert created.marked_from is None and created.marked_to is None
