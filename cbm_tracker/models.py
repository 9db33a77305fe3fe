"""Abstract model bases shared by the apps (NetBox keeps its own in netbox/models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A mutable resource guarded by optimistic concurrency.

    Writers pass the version they read; the service layer bumps it with a
    conditional ``UPDATE ... WHERE version = %s`` (see measures/audit/revisions.py), so
    the check also holds on SQLite, which has no row locks.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Cited(models.Model):
    """Where a seeded or staff-entered row comes from: a source and a locator."""

    cite_source = models.ForeignKey(
        "measures.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    cite_locator = models.CharField(
        _("locator"), max_length=200, blank=True, help_text=_("Section, note, paragraph or page.")
    )

    class Meta:
        abstract = True
