"""Revisions and the audit trail: one mechanism for history, change feed and ETags."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..access import ChangeRecordQuerySet
from ..choices import Action


class RevisionCounter(models.Model):
    """The single row every write increments, inside its transaction.

    The increment is an UPDATE, so on PostgreSQL the row stays locked until
    the writer commits and the next writer waits: revision order is commit
    order, and a rolled-back write gives its number back (no gaps). SQLite's
    BEGIN IMMEDIATE serialises writers the same way.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="revisioncounter_single_row")]

    def __str__(self):
        return f"revision {self.value}"


class AudienceRevision(models.Model):
    """The last revision that wrote something one audience may see.

    An audience is a marking (by its key) or ``accounts`` (the records of
    profiles, grants, tokens and subscriptions, which only admins read).
    Every write sets the row of each audience it touched, in its own
    transaction, so "the latest revision *this viewer* may see" is one
    lookup over a handful of rows: ETags then move only on writes the viewer
    can see (docs/security.md, non-interference).
    """

    ACCOUNTS = "accounts"

    audience = models.CharField(max_length=300, primary_key=True)
    revision = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.audience} @ r{self.revision}"


class RowMarking(models.Model):
    """The current marking of every marked row the audit trail describes.

    Audit records are append-only (the application's database role may not
    update them), so they cannot follow a re-marking; this row does, and a
    record is shown only to someone who may see both the marking it was
    written under and this one (for a deleted row, its last marking).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="rowmarking_unique")
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id} {self.marking_id}"


class ChangeRecord(models.Model):
    """One changed row under one revision (NetBox's ObjectChange, append-only)."""

    # What clients see instead of the sequential id: it counts nothing hidden.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    revision = models.PositiveBigIntegerField(db_index=True)
    time = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField(max_length=150)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    # Who may read this record: the marking of the row it describes (the
    # higher one, when a re-marking moved it), empty for unmarked reference data.
    marking = models.ForeignKey(
        "measures.Marking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(blank=True)
    # When this change moved the row to another marking: from which, to which.
    # A viewer who could see the row before and not after is told to drop it
    # (the feed's "hide" record); one who can see it only after is shown it
    # ("show"). ``marking`` alone cannot say this: it is the higher of the two.
    marked_from = models.ForeignKey(
        "measures.Marking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_to = models.ForeignKey(
        "measures.Marking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["revision", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="changerecord_object_idx"),
            # The few records that moved a row to another marking, in feed order
            # (ChangeRecordQuerySet.moved_across reads them apart from the rest).
            models.Index(
                fields=["revision", "id"],
                condition=Q(marked_from__isnull=False),
                name="changerecord_moved_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="changerecord_action_valid"
            )
        ]

    def __str__(self):
        # No revision number: it counts writes the reader may not see.
        return f"{self.time:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
