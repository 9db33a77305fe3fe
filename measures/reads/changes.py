"""The change feed: what was recorded after a cursor, as one viewer may see it.

One read serves the REST feed (``GET /api/v1/changes/``) and anything that
pushes the same records elsewhere: a page is computed for a viewer at the
time it is read, so a viewer who lost clearance is sent nothing more.
"""

from django.db.models import Q

from measures.audit import handles
from measures.models import ChangeRecord

# Changes to user accounts (clearances, roles) are not news for readers.
# Proposals are not published: they have their own resource (/api/v1/proposals/).
FEED_EXCLUDED_MODELS = ("userprofile", "authtoken", "proposal")
MAX_LIMIT = 1000


def feed_records_after(user, since=None, limit=100):
    """At most ``limit`` audit records ``user`` may see, in commit order.

    ``since`` is None (from the start), a ``ChangeRecord`` (after it: any
    record positions the cursor, even one the viewer may no longer see) or
    an aware datetime (recorded at or after it). The order within a
    revision is stable (the record's id), so a page may end inside one.
    """
    records = (
        ChangeRecord.objects.visible_to(user)
        .exclude(content_type__model__in=FEED_EXCLUDED_MODELS)
        .select_related("content_type")
        .order_by("revision", "id")
    )
    if isinstance(since, ChangeRecord):
        records = records.filter(
            Q(revision__gt=since.revision) | Q(revision=since.revision, id__gt=since.id)
        )
    elif since is not None:
        records = records.filter(time__gte=since)
    return list(records[: min(limit, MAX_LIMIT)])


def feed_records(page, user):
    """Records as clients see them: handles instead of internal ids."""
    models = {r.pk: handles.model_for(r.content_type) for r in page}
    wanted = set()
    for r in page:
        wanted.add((models[r.pk], r.object_id))
        for data in (r.before, r.after):
            wanted.update(handles.snapshot_refs(models[r.pk], data))
    names = handles.resolve(wanted, user)
    return [
        {
            "id": str(r.public_id),
            "time": r.time,
            "type": r.content_type.model,
            "action": r.action,
            "object_id": names[(models[r.pk], r.object_id)],
            "object": r.object_repr,
            "actor": r.actor_username,
            "message": r.message,
            "before": handles.public_snapshot(models[r.pk], r.before, names),
            "after": handles.public_snapshot(models[r.pk], r.after, names),
        }
        for r in page
    ]
