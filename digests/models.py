"""Who gets the weekly digest, and the state of each delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Versioned


class Subscription(Versioned):
    """Follows countries, measures and/or initiatives; none followed = everything.

    Belongs to a user (the digest goes to their address and is built with
    their clearance), or to a bare e-mail address confirmed by a signed link
    (built as an anonymous visitor would see the data).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
    )
    email = models.EmailField(blank=True, help_text=_("Only for subscribers without an account."))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=2, choices=settings.LANGUAGES, default="en")
    countries = models.ManyToManyField("countries.Country", blank=True, related_name="+")
    measures = models.ManyToManyField("measures.Measure", blank=True, related_name="+")
    initiatives = models.ManyToManyField("countries.Initiative", blank=True, related_name="+")
    paused = models.BooleanField(default=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        # Moved from the measures app without moving data (migration 0001).
        db_table = "measures_subscription"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(user__isnull=False, unsubscribed_at__isnull=True),
                name="subscription_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email=""))
                | (Q(user__isnull=True) & ~Q(email="")),
                name="subscription_user_xor_email",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} ({self.language})"

    @property
    def recipient(self):
        return self.user.email if self.user_id else self.email


class DigestRun(models.Model):
    """One weekly job: how far it got, for the admin and the logs."""

    period = models.CharField(max_length=8, help_text=_("ISO week, e.g. 2026-W47."))
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        # Moved from the measures app without moving data (migration 0001).
        db_table = "measures_digestrun"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.period} started {self.started_at:%Y-%m-%d %H:%M}"


class LeasedDelivery(models.Model):
    """One mail for one recipient and one ISO week: pending → sending → sent.

    ``sending`` is a lease: whoever claimed the row (a conditional UPDATE,
    ``digests.leases``) owns it until ``lease_expires_at``; after that the
    next run reclaims it, so a worker killed mid-chunk delays a mail but
    never loses it. Shared by the digest and the reminders.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("nothing to say")
        FAILED = "failed", _("failed")

    period = models.CharField(max_length=8)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    claim = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @staticmethod
    def state_constraint(name):
        return models.CheckConstraint(
            condition=Q(state__in=["pending", "sending", "sent", "skipped", "failed"]), name=name
        )


class DigestDelivery(LeasedDelivery):
    """One subscriber's digest for one period (the lease: ``LeasedDelivery``)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )

    class Meta:
        # Moved from the measures app without moving data (migration 0001).
        db_table = "measures_digestdelivery"
        ordering = ["period", "subscription"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period"], name="digestdelivery_one_per_period"
            ),
            LeasedDelivery.state_constraint("digestdelivery_state_valid"),
        ]
        indexes = [models.Index(fields=["period", "state"], name="digestdelivery_state_idx")]

    def __str__(self):
        return f"{self.period} → {self.subscription}: {self.state}"


class ReminderDelivery(LeasedDelivery):
    """One editor's or admin's "due this week" reminder for one ISO week."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )

    class Meta:
        ordering = ["period", "user"]
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period"], name="reminderdelivery_one_per_period"
            ),
            LeasedDelivery.state_constraint("reminderdelivery_state_valid"),
        ]
        indexes = [models.Index(fields=["period", "state"], name="reminderdelivery_state_idx")]

    def __str__(self):
        return f"{self.period} → {self.user}: {self.state}"
