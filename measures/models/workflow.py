"""The staff's reporting cycle: proposals awaiting a second person, replies
from a country's liaison, and when each user last looked at their week."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Versioned
from countries.choices import DatePrecision

from ..access import ProposalQuerySet, ReplyQuerySet
from ..choices import Level, ProposalState
from .cells import Retractable


class Proposal(Versioned):
    """A recording that waits for a second person (``CBM_REVIEW``).

    It carries everything ``services.record_assessment`` takes; approval
    records the assessment (``assessment``) as its author wrote it, checked
    against the cell version the author saw (``based_on_version``). A
    returned proposal stays as it was; its author proposes again (a new row
    that ``supersedes`` it). Published views never read this table.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cell = models.ForeignKey("measures.Cell", on_delete=models.PROTECT, related_name="proposals")
    level = models.CharField(max_length=20, choices=Level.choices)
    effective_on = models.DateField()
    effective_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    rationale_fr = models.TextField(_("rationale (French)"), blank=True)
    evidence = models.ManyToManyField("measures.Evidence", blank=True, related_name="proposals")
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")
    based_on_version = models.PositiveIntegerField(editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    state = models.CharField(max_length=10, choices=ProposalState.choices, default="open")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    comment = models.TextField(_("review comment"), blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    assessment = models.OneToOneField(
        "measures.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
        editable=False,
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "id"]
        indexes = [models.Index(fields=["state", "cell"], name="proposal_state_cell_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ProposalState.values), name="proposal_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="proposal_level_valid"
            ),
            models.CheckConstraint(
                condition=~Q(rationale_en="") | ~Q(rationale_fr=""),
                name="proposal_has_rationale",
            ),
            # Approved iff it published an assessment; decided iff not open.
            models.CheckConstraint(
                condition=Q(state="approved", assessment__isnull=False)
                | (~Q(state="approved") & Q(assessment__isnull=True)),
                name="proposal_assessment_iff_approved",
            ),
            models.CheckConstraint(
                condition=Q(state="open", decided_by__isnull=True)
                | (~Q(state="open") & Q(decided_by__isnull=False)),
                name="proposal_decider_iff_decided",
            ),
            # A returned proposal says why.
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(comment=""),
                name="proposal_returned_with_comment",
            ),
        ]

    def __str__(self):
        return f"{self.cell}: {self.level} proposed {self.proposed_at:%Y-%m-%d}"


class Reply(Versioned, Retractable):
    """A country's answer to an assessment of it (right of reply).

    Written by a respondent whose scope holds the cell's country (or, for a
    pair, either country). It is seen by whoever may see both its own marking
    and the assessment's (``ReplyQuerySet``); it changes no level.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        "measures.Assessment", on_delete=models.PROTECT, related_name="replies"
    )
    country = models.ForeignKey(
        "countries.Country",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The country on whose behalf the reply is made."),
    )
    text_en = models.TextField(_("reply (English)"), blank=True)
    text_fr = models.TextField(_("reply (French)"), blank=True)
    evidence = models.ManyToManyField("measures.Evidence", blank=True, related_name="replies")
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revision = models.PositiveBigIntegerField(editable=False)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text_en="") | ~Q(text_fr=""), name="reply_has_text"
            ),
            Retractable.retraction_constraint("reply_retraction_complete"),
        ]

    def __str__(self):
        return f"{self.country_id} on {self.assessment}"


class WeekVisit(models.Model):
    """When a user last opened "My week", so it can show what changed since.

    ``since`` is the visit before the current one: a reload within the same
    sitting keeps showing the same changes (``services.note_week_visit``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="week_visit"
    )
    seen_at = models.DateTimeField()
    since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"
