"""The disclosure ledger: every release of restricted or confidential rows
outside an interactive page (docs/security.md, "Disclosure ledger").

Append-only like the audit trail: the application's database role may insert
and read these tables, never update, delete or truncate them
(``manage.py db_roles``). Ledger rows take no revision and touch no
audience: recording a release moves nothing any viewer observes.

The rows a release carried are a *set*, stored once under the digest of its
contents and shared by every release of exactly those rows: the thousandth
download of the same scorecard costs one insert, not a thousand.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import MarkingLevel


class Channel(models.TextChoices):
    API = "api", _("API")
    EXPORT = "export", _("export")
    DIGEST = "digest", _("digest")
    WEBHOOK = "webhook", _("webhook")
    PACKAGE = "package", _("data package")


class DisclosedSet(models.Model):
    """The marked rows of one or more releases, named by their digest."""

    digest = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.size} rows {self.digest[:12]}"


class DisclosedRow(models.Model):
    """One marked row in a set: which model, its public handle, its marking."""

    set = models.ForeignKey(DisclosedSet, on_delete=models.PROTECT, related_name="rows")
    model = models.CharField(max_length=100)  # e.g. measures.assessment
    handle = models.CharField(max_length=64)  # public_id or natural key, never a sequential id
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["set", "model", "handle"], name="disclosedrow_unique")
        ]
        indexes = [models.Index(fields=["handle"], name="disclosedrow_handle_idx")]

    def __str__(self):
        return f"{self.model} {self.handle}"


class Disclosure(models.Model):
    """One release: who received which marked rows, when, through what."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    time = models.DateTimeField(default=timezone.now, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_username = models.CharField(max_length=150)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    request_id = models.CharField(max_length=64, blank=True)
    # What was asked: the path and query of a request, or the job (digest week, webhook).
    what = models.CharField(max_length=500, blank=True)
    # The highest level among the rows: restricted or confidential.
    level = models.CharField(max_length=12, choices=MarkingLevel.choices)
    rows = models.ForeignKey(DisclosedSet, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M} {self.channel} {self.recipient_username}"
