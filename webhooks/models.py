"""Push subscriptions to their owner's change feed, and what each push did."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Versioned
from measures.models import ChangeRecord


def new_secret():
    return secrets.token_urlsafe(32)


class Webhook(Versioned):
    """POSTs the records of its owner's change feed, as the owner may see them
    at delivery time, to ``url``. ``cursor`` is the last feed record the
    receiver acknowledged (2xx); the next push starts after it.

    The secret is stored as it is: an HMAC signature needs it (as GitHub and
    Stripe keep theirs). It is shown once, at creation, and never again.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    description = models.CharField(max_length=200, blank=True)
    countries = models.ManyToManyField("countries.Country", blank=True, related_name="+")
    measures = models.ManyToManyField("measures.Measure", blank=True, related_name="+")
    initiatives = models.ManyToManyField("countries.Initiative", blank=True, related_name="+")
    kinds = models.JSONField(
        default=list, blank=True, help_text=_("Record types, or type.action; none = every kind.")
    )
    # The owner's mail (a disabled hook) is written in it: the language of
    # the session or Accept-Language that registered the hook, unless given.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Delivery state (written by the delivery, not audited: like a lease).
    # The cursor: the (revision, id) of the last feed record passed, a
    # position rather than a key, so that pruning old audit records
    # (prune_audit) never strands or blocks a hook. Internal: never shown.
    cursor_revision = models.PositiveBigIntegerField(default=0)
    cursor_record = models.PositiveBigIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["active"], name="webhook_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(active=True) | Q(disabled_at__isnull=False),
                name="webhook_inactive_has_date",
            )
        ]

    def __str__(self):
        return self.url

    @property
    def cursor(self):
        """Where the feed resumes, as ``feed_records_after`` takes it."""
        return ChangeRecord(id=self.cursor_record, revision=self.cursor_revision)

    @staticmethod
    def cursor_at(record):
        return {"cursor_revision": record.revision, "cursor_record": record.pk}


class Delivery(models.Model):
    """One POST (or the attempt at one): handles only, never a record's content,
    so the log shows its reader nothing above their clearance."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    time = models.DateTimeField(default=timezone.now)
    attempt = models.PositiveIntegerField(
        help_text=_("1 for a first try; n for the n-th try of the same records.")
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    record_ids = models.JSONField(default=list, help_text=_("The records' public ids."))
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["webhook", "-time"], name="delivery_webhook_time_idx")]

    def __str__(self):
        return f"{self.webhook} {self.time:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300
