"""One write = one transaction = one revision + one audit record per changed row.

Services open a ``Change`` and report every row they touch to it; the first
report takes the next number from the revision counter, the last step writes
the buffered audit records in one INSERT. Bulk paths (seed, synth) use the
same object, so nothing reaches an audited table without its record.
"""

from contextlib import contextmanager
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F, ManyToManyField
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from cbm_tracker.request_id import request_id_var

from ..access import is_account_model, is_workflow_model, viewer_for
from ..choices import Action
from ..models import AudienceRevision, ChangeRecord, Marking, RevisionCounter, RowMarking
from . import search_index

# Sent once a write's transaction has committed (never for one rolled back),
# so that what pushes the change feed elsewhere (webhooks) wakes up without
# this layer importing it. No argument: listeners read what they may see.
revision_committed = Signal()


class StaleVersion(Exception):
    """The row changed since the writer read it (optimistic concurrency)."""

    def __init__(self, obj, expected, current):
        self.obj, self.expected, self.current = obj, expected, current
        super().__init__(
            f"{obj._meta.verbose_name} {obj.pk} is at version {current}, not {expected}: "
            "reload and try again."
        )


def latest_revision():
    """The last committed revision (the writers' counter; never shown to a
    viewer, whose ETags use ``latest_revision_for``)."""
    with connections[router.db_for_read(RevisionCounter)].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {RevisionCounter._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def latest_revision_for(user):
    """The last revision that wrote something ``user`` may see: the highest
    ``AudienceRevision`` among the markings they may see (and the accounts'
    audience for admins). Every ETag reads it, so it is one plain statement
    over a handful of rows; through the ORM the same lookup costs several
    times as much, a large part of a conditional GET."""
    viewer = viewer_for(user)
    if not viewer.can_read:
        return 0
    table = AudienceRevision._meta.db_table
    if viewer.sees_all:
        sql, params = f"SELECT MAX(revision) FROM {table}", []
    else:
        marking = Marking._meta.db_table
        countries = Marking.releasable_countries.through._meta.db_table
        initiatives = Marking.releasable_initiatives.through._meta.db_table
        releasable = ["m.releasable_to_all"]
        params = [viewer.clearance_rank]
        if viewer.countries:
            releasable.append(
                f"m.id IN (SELECT marking_id FROM {countries} WHERE country_id IN "
                f"({', '.join(['%s'] * len(viewer.countries))}))"
            )
            params += sorted(viewer.countries)
        if viewer.initiatives:
            releasable.append(
                f"m.id IN (SELECT marking_id FROM {initiatives} WHERE initiative_id IN "
                f"({', '.join(['%s'] * len(viewer.initiatives))}))"
            )
            params += sorted(viewer.initiatives)
        audiences = (
            f"SELECT m.key FROM {marking} m WHERE m.rank <= %s AND ({' OR '.join(releasable)})"
        )
        accounts = ""
        if viewer.is_admin:
            accounts = " OR audience = %s"
            params.append(AudienceRevision.ACCOUNTS)
        sql = f"SELECT MAX(revision) FROM {table} WHERE audience IN ({audiences}){accounts}"
    with connections[router.db_for_read(AudienceRevision)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] or 0


def snapshot(obj, links=None):
    """A JSON-able picture of a row: concrete fields by attname, markings by
    key, many-to-many links as sorted primary keys (read from the database,
    unless the bulk path passes them in ``links``)."""
    data = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.is_relation and field.related_model is Marking:
            data[field.name] = getattr(obj, field.name).key if value is not None else None
            continue
        if isinstance(value, Decimal):
            value = str(value)
        data[field.attname] = value
    if links is not None:
        data.update(links)
    elif obj.pk is not None:
        for field in obj._meta.many_to_many:
            if isinstance(field, ManyToManyField) and field.remote_field.through._meta.auto_created:
                data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return data


class Change:
    def __init__(self, actor, message="", request_id=None):
        self.actor = actor
        self.message = message
        self.request_id = request_id if request_id is not None else request_id_var.get()
        self.time = timezone.now()
        self.revision = None
        self._records = []
        self._content_types = {}
        self._audiences = set()
        self._row_markings = {}
        self._public = None
        self._searched = {}

    def take_revision(self):
        if self.revision is None:
            if not RevisionCounter.objects.filter(pk=1).update(value=F("value") + 1):
                # First write on a fresh database: create the row, then increment it.
                RevisionCounter.objects.get_or_create(pk=1)
                RevisionCounter.objects.filter(pk=1).update(value=F("value") + 1)
            self.revision = latest_revision()
        return self.revision

    def touch(self, marking):
        """Tell the viewers of ``marking`` that something they see changed (a
        re-marking touches the old marking as well as the new one)."""
        self.take_revision()
        self._audiences.add(marking.key if marking is not None else self._public_marking().key)

    def _public_marking(self):
        if self._public is None:
            self._public = Marking.objects.public()
        return self._public

    def record(self, obj, action, before=None, after=None, marking=None, message=None):
        model = type(obj)
        if model not in self._content_types:
            self._content_types[model] = ContentType.objects.get_for_model(model)
        if is_account_model(model):
            self.take_revision()
            self._audiences.add(AudienceRevision.ACCOUNTS)
        elif is_workflow_model(model):
            # Seen only by those who may see the row: no audience's ETag moves.
            self.take_revision()
        else:
            self.touch(marking)
        current = None
        if any(f.name == "marking" for f in model._meta.concrete_fields):
            # Where the row's history may be read from now on (RowMarking).
            current = obj.marking if obj.marking_id is not None else self._public_marking()
            self._row_markings[(model, str(obj.pk))] = current
        if search_index.is_searched(model):
            self._searched.setdefault(model, set()).add(obj.pk)
        self._records.append(
            ChangeRecord(
                revision=self.take_revision(),
                time=self.time,
                actor=self.actor,
                actor_username=self.actor.get_username(),
                request_id=self.request_id,
                action=action,
                content_type=self._content_types[model],
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                marking=marking,
                before=before,
                after=after,
                message=message if message is not None else self.message,
                marked_to=current,  # kept only if the row moved (``_note_transitions``)
            )
        )

    def flush(self):
        self._note_transitions()
        ChangeRecord.objects.bulk_create(self._records, batch_size=1000)
        self._records = []
        if self._row_markings:
            RowMarking.objects.bulk_create(
                [
                    RowMarking(
                        content_type=self._content_types[model], object_id=pk, marking=marking
                    )
                    for (model, pk), marking in self._row_markings.items()
                ],
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["content_type", "object_id"],
                update_fields=["marking"],
            )
            self._row_markings = {}
        if self._audiences:
            AudienceRevision.objects.bulk_create(
                [AudienceRevision(audience=a, revision=self.revision) for a in self._audiences],
                update_conflicts=True,
                unique_fields=["audience"],
                update_fields=["revision"],
            )
            self._audiences = set()
        if self._searched:
            search_index.refresh(self._searched)
            self._searched = {}

    def _note_transitions(self):
        """Keep ``marked_from``/``marked_to`` on the records that moved a row to
        another marking, and clear ``marked_to`` on all others. The marking a
        row had before is its ``RowMarking``, read in one query per model."""
        before = {}
        for model in {model for model, _pk in self._row_markings}:
            content_type = self._content_types[model]
            pks = [pk for m, pk in self._row_markings if m is model]
            for start in range(0, len(pks), 500):  # SQLite binds at most 999 values
                rows = RowMarking.objects.filter(
                    content_type=content_type, object_id__in=pks[start : start + 500]
                ).values_list("object_id", "marking_id")
                before.update({(content_type.pk, pk): marking_id for pk, marking_id in rows})
        for record in self._records:
            if record.marked_to is None:
                continue
            key = (record.content_type_id, record.object_id)
            previous, now = before.get(key), record.marked_to
            before[key] = now.pk
            if record.action == Action.CREATE or previous in (None, now.pk):
                record.marked_to = None
            else:
                record.marked_from_id = previous


@contextmanager
def change(actor, message="", request_id=None):
    with transaction.atomic():
        current = Change(actor, message, request_id)
        yield current
        current.flush()
        if current.revision is not None:
            # Robust: a listener's failure (a broker down) must not turn a
            # committed write into an error for its writer.
            transaction.on_commit(lambda: revision_committed.send_robust(sender=Change))


def advance_version(obj):
    """One more version for a row changed without a version read by the writer
    (a side effect of another write, a signed link, the seed):
    ``UPDATE version = version + 1`` in the database, whatever it holds now,
    and the object's own copy moves on with it."""
    type(obj)._base_manager.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.version += 1


def bump_version(obj, expected_version):
    """Compare-and-swap on ``version``: a conditional UPDATE, safe on SQLite too."""
    model = type(obj)
    if expected_version is None:
        raise ValidationError({"expected_version": _("The version you read is required.")})
    updated = model._base_manager.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not updated:
        current = model._base_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleVersion(obj, expected_version, current)
    obj.version = expected_version + 1
