"""The change feed: what was recorded after a cursor, as one viewer may see it.

One read serves the REST feed (``GET /api/v1/changes/``) and anything that
pushes the same records elsewhere: a page is computed for a viewer at the
time it is read, so a viewer who lost clearance is sent nothing more.
"""

from django.db.models import Q

from measures.access import SYSTEM, seen_as
from measures.audit import disclosures, handles
from measures.choices import Action
from measures.models import ChangeRecord

# What tells a client to drop the row it holds: it was retracted, deleted,
# or (``hide``) it is no longer one the client's caller may see.
DROPPED = {Action.RETRACT, Action.DELETE, "hide"}

# Changes to user accounts (clearances, roles) are not news for readers.
# Proposals are not published: they have their own resource (/api/v1/proposals/).
FEED_EXCLUDED_MODELS = ("userprofile", "authtoken", "proposal")
MAX_LIMIT = 1000


def feed_records_after(user, since=None, limit=100):
    """At most ``limit`` audit records ``user`` may see, in commit order, with
    the re-markings that moved a row in or out of their sight
    (``ChangeRecordQuerySet.moved_across``; each record's ``seen_as`` says which).

    ``since`` is None (from the start), a ``ChangeRecord`` (after it: any
    record positions the cursor, even one the viewer may no longer see) or
    an aware datetime (recorded at or after it). The order within a
    revision is stable (the record's id), so a page may end inside one.
    """
    limit = min(limit, MAX_LIMIT)
    rows = {}
    for records in (
        ChangeRecord.objects.visible_to(user),
        ChangeRecord.objects.moved_across(user),
    ):
        # The first ``limit`` of the two together are among the first ``limit`` of each.
        rows.update((r.pk, r) for r in _after(records, since)[:limit])
    page = sorted(rows.values(), key=lambda r: (r.revision, r.id))[:limit]
    for record in page:
        record.seen_as = seen_as(user, record)
    return page


def _after(records, since):
    records = (
        records.exclude(content_type__model__in=FEED_EXCLUDED_MODELS)
        .select_related("content_type", "marking", "marked_to", "marked_from")
        .order_by("revision", "id")
    )
    if isinstance(since, ChangeRecord):
        return records.filter(
            Q(revision__gt=since.revision) | Q(revision=since.revision, id__gt=since.id)
        )
    if since is not None:
        return records.filter(time__gte=since)
    return records


def feed_records(page, user):
    """Records as clients see them: handles instead of internal ids.

    A ``hide`` record names the row to drop by the handle the viewer knew
    it by, and nothing else: not who moved it, why, or where to. A ``show``
    record carries what the row became, never what it was.
    """
    models = {r.pk: handles.model_for(r.content_type) for r in page}
    wanted, gone = set(), set()
    for r in page:
        if _seen_as(r) == "hide":
            gone.add((models[r.pk], r.object_id))
            continue
        wanted.add((models[r.pk], r.object_id))
        for data in (None if _seen_as(r) == "show" else r.before, r.after):
            wanted.update(handles.snapshot_refs(models[r.pk], data))
    disclosures.note(released(page))
    names = handles.resolve(wanted, user)
    # The handle of a row now hidden from the viewer, which they saw until this record.
    names.update(handles.resolve(gone, SYSTEM))
    return [_shown(r, models[r.pk], names) for r in page]


def released(page):
    """What the disclosure ledger is told these records release: each record
    under its marking, a ``show`` under the marking it shows the row at
    (its own is the higher one, which the viewer may not read), a ``hide``
    nothing (a handle the viewer already held)."""
    rows = []
    for r in page:
        if _seen_as(r) == "show":
            rows.append(
                disclosures.row_of(r, r.marked_to)[:2] + (r.marked_to_id, r.marked_to.level)
            )
        elif _seen_as(r) == "record" and r.marking_id is not None:
            rows.append(r)
    return rows


def _seen_as(record):
    return getattr(record, "seen_as", "record")


def _shown(r, model, names):
    seen_as = _seen_as(r)
    action = r.action if seen_as == "record" else seen_as
    shown = {
        "id": str(r.public_id),
        "time": r.time,
        "type": r.content_type.model,
        "action": action,
        "object_id": names[(model, r.object_id)],
        "object": None,
        "actor": None,
        "message": "",
        "before": None,
        "after": None,
        "drop": action in DROPPED,
    }
    if seen_as == "hide":
        return shown
    shown.update(
        object=r.object_repr,
        after=handles.public_snapshot(model, r.after, names),
    )
    if seen_as == "record":
        shown.update(
            actor=r.actor_username,
            message=r.message,
            before=handles.public_snapshot(model, r.before, names),
        )
    return shown
