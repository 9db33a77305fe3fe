import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Versioned
from countries.choices import DatePrecision

from ..access import VisibleQuerySet
from ..choices import Direction, InformationCredibility, SourceReliability
from .cells import Retractable


class Evidence(Versioned, Retractable):
    """A dated fact from a source bearing on one or more cells and initiatives.

    A journal entry in NetBox's sense (not the audit log): one event often
    concerns four countries and two measures, hence the many-to-many links.
    """

    # The identifier clients see: random, so that it counts nothing hidden.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Natural key of seeded rows."),
    )
    occurred_on = models.DateField()
    occurred_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    summary_en = models.TextField(_("summary (English)"), blank=True)
    summary_fr = models.TextField(_("summary (French)"), blank=True)
    quote = models.TextField(blank=True, help_text=_("A short phrase, verbatim."))
    locator = models.CharField(max_length=200, help_text=_("Page, section or paragraph."))
    source = models.ForeignKey("measures.Source", on_delete=models.PROTECT, related_name="evidence")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    source_reliability = models.CharField(max_length=1, choices=SourceReliability.choices)
    information_credibility = models.CharField(max_length=1, choices=InformationCredibility.choices)
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")
    cells = models.ManyToManyField("measures.Cell", blank=True, related_name="evidence")
    initiatives = models.ManyToManyField(
        "countries.Initiative", blank=True, related_name="evidence"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("evidence")
        ordering = ["-occurred_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="evidence_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(source_reliability__in=SourceReliability.values),
                name="evidence_reliability_valid",
            ),
            models.CheckConstraint(
                condition=Q(information_credibility__in=InformationCredibility.values),
                name="evidence_credibility_valid",
            ),
            models.CheckConstraint(
                condition=~Q(summary_en="") | ~Q(summary_fr=""), name="evidence_has_summary"
            ),
            Retractable.retraction_constraint("evidence_retraction_complete"),
        ]

    def __str__(self):
        summary = self.summary_en or self.summary_fr
        return f"{self.occurred_on:%Y-%m-%d} {summary[:60]}"

    @property
    def reliability(self) -> str:
        """The Admiralty grade as written, e.g. ``B2``."""
        return f"{self.source_reliability}{self.information_credibility}"
