"""A cell and its append-only, effective-dated history (Assessment)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from countries.choices import DatePrecision
from countries.models import CountryPair

from ..access import VisibleQuerySet
from ..choices import NO_EVIDENCE, Level, Scope


class CellQuerySet(models.QuerySet):
    def with_level(self, user, as_of=None, precision=False, released=False):
        """Annotate each cell with its current level *for this viewer*, and
        the viewer's version of it (``with_version``); with ``precision``, also
        how precisely its date is known (``level_effective_precision``, for a
        page that shows the date: lists leave out the extra subquery); with
        ``released``, which assessment sets the level (``level_public_id``,
        ``level_marking_id``, ``level_marking``: for the disclosure ledger,
        ``disclosures.level_row``).

        Current = the latest non-retracted assessment the viewer may see, by
        (effective_on, recorded_at, id); ``as_of`` replays history by
        effective date. A cell with none is ``no_evidence``.
        """
        latest = Assessment.objects.visible_to(user).filter(cell=OuterRef("pk"), retracted=False)
        if as_of is not None:
            latest = latest.filter(effective_on__lte=as_of)
        latest = latest.order_by("-effective_on", "-recorded_at", "-id")
        annotated = self.with_version(user).annotate(
            level=Coalesce(Subquery(latest.values("level")[:1]), Value(NO_EVIDENCE)),
            level_effective_on=Subquery(latest.values("effective_on")[:1]),
        )
        if precision:
            precise = Subquery(latest.values("effective_precision")[:1])
            annotated = annotated.annotate(level_effective_precision=precise)
        if released:
            annotated = annotated.annotate(
                level_public_id=Subquery(latest.values("public_id")[:1]),
                level_marking_id=Subquery(latest.values("marking_id")[:1]),
                level_marking=Subquery(latest.values("marking__level")[:1]),
            )
        return annotated

    def with_version(self, user):
        """Annotate ``version``: the cell's version *for this viewer*.

        A cell stores no version: one shared counter would move when someone
        records an assessment the viewer may not see. The viewer's version is
        1 + the number of events on the cell the viewer may see (an
        assessment recorded counts 1, one since retracted 2). Assessments are
        never re-marked, so for one viewer it only grows, and two editors who
        see the same assessments hold the same version (services compare it
        under the cell's row lock).
        """
        return self.annotate(version=cell_version(user))


def cell_version(user, cell=None):
    """The expression ``with_version`` annotates (``cell``: for one cell, not
    a correlated subquery)."""
    events = Assessment.objects.visible_to(user).filter(
        cell=cell if cell is not None else OuterRef("pk")
    )
    weight = Sum(Case(When(retracted=True, then=Value(2)), default=Value(1)))
    counted = events.order_by().values("cell").annotate(n=weight).values("n")
    return Coalesce(Subquery(counted), Value(0)) + Value(1)


class Cell(models.Model):
    """The identity of one cell: a measure for a country, or for a pair.

    It stores no level: what is current depends on who is looking, so a stored
    level would leak what a viewer is not cleared for.
    """

    measure = models.ForeignKey("measures.Measure", on_delete=models.PROTECT, related_name="cells")
    # Copied from the measure so the database itself can refuse a partner on a
    # non-bilateral measure (a check constraint cannot look across tables).
    scope = models.CharField(max_length=12, choices=Scope.choices, editable=False)
    country = models.ForeignKey("countries.Country", on_delete=models.PROTECT, related_name="cells")
    partner = models.ForeignKey(
        "countries.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_cells",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CellQuerySet.as_manager()

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        ordering = ["measure__number", "country", "partner"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "country"],
                condition=Q(partner__isnull=True),
                name="cell_unique_national_cell",
            ),
            models.UniqueConstraint(
                fields=["measure", "country", "partner"],
                condition=Q(partner__isnull=False),
                name="cell_unique_pair_cell",
            ),
            models.CheckConstraint(
                condition=Q(partner__isnull=True) | Q(country__lt=F("partner")),
                name="cell_pair_canonical_order",
            ),
            models.CheckConstraint(
                condition=Q(scope=Scope.BILATERAL, partner__isnull=False)
                | (Q(scope__in=[Scope.NATIONAL, Scope.REGIONAL]) & Q(partner__isnull=True)),
                name="cell_partner_iff_bilateral",
            ),
        ]

    def __str__(self):
        return f"{self.measure.number} · {self.cell_label}"

    def save(self, *args, **kwargs):
        self.scope = self.measure.scope
        super().save(*args, **kwargs)

    def version_for(self, user):
        """This cell's version as ``user`` reads it (``CellQuerySet.with_version``)."""
        return (
            type(self)
            .objects.filter(pk=self.pk)
            .with_version(user)
            .values_list("version", flat=True)[0]
        )

    @property
    def cell_label(self):
        return f"{self.country_id}–{self.partner_id}" if self.partner_id else self.country_id

    def clean(self):
        if self.measure_id is None or self.country_id is None:
            return
        self.scope = self.measure.scope
        if self.partner_id is None:
            if self.scope == Scope.BILATERAL:
                raise ValidationError(
                    {
                        "partner": _("Measure %(n)s is bilateral: name the partner country.")
                        % {"n": self.measure.number}
                    }
                )
            return
        if self.scope != Scope.BILATERAL:
            raise ValidationError(
                {
                    "partner": _("Measure %(n)s is not bilateral: it takes no partner.")
                    % {"n": self.measure.number}
                }
            )
        if self.partner_id == self.country_id:
            raise ValidationError({"partner": _("A country cannot be its own partner.")})
        first, second = CountryPair.canonical(self.country_id, self.partner_id)
        self.country_id, self.partner_id = first, second
        if not CountryPair.objects.filter(country_id=first, partner_id=second).exists():
            raise ValidationError(
                {
                    "partner": _("%(a)s–%(b)s is not a tracked pair of neighbours.")
                    % {"a": first, "b": second}
                }
            )


class AppendOnly(models.Model):
    """Rows that are never edited or deleted; only the listed fields may change once."""

    mutable_fields = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.mutable_fields:
                raise ValidationError(
                    _("%(model)s rows are append-only.") % {"model": self._meta.verbose_name}
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            _("%(model)s rows are never deleted; retract them.")
            % {"model": self._meta.verbose_name}
        )


class Retractable(models.Model):
    retracted = models.BooleanField(default=False)
    retracted_reason = models.TextField(blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    RETRACTION_FIELDS = frozenset({"retracted", "retracted_reason", "retracted_at", "retracted_by"})

    class Meta:
        abstract = True

    @classmethod
    def retraction_constraint(cls, name):
        return models.CheckConstraint(
            condition=Q(retracted=False, retracted_by__isnull=True)
            | (Q(retracted=True, retracted_by__isnull=False) & ~Q(retracted_reason="")),
            name=name,
        )


class Assessment(AppendOnly, Retractable):
    """One dated level of a cell. Bitemporal: ``effective_on`` is when it became
    true in the world; ``recorded_at``/``revision`` is when the tracker learnt it.
    A reconfirmation repeats the level at a later date."""

    mutable_fields = Retractable.RETRACTION_FIELDS

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
    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="assessments")
    level = models.CharField(max_length=20, choices=Level.choices)
    effective_on = models.DateField()
    effective_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    revision = models.PositiveBigIntegerField(editable=False)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    rationale_fr = models.TextField(_("rationale (French)"), blank=True)
    evidence = models.ManyToManyField("measures.Evidence", blank=True, related_name="assessments")
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["cell", "effective_on", "recorded_at", "id"]
        indexes = [
            models.Index(
                fields=["cell", "effective_on", "recorded_at", "id"],
                name="assessment_latest_idx",
            ),
            models.Index(fields=["revision"], name="assessment_revision_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="assessment_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(effective_precision__in=DatePrecision.values),
                name="assessment_precision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(rationale_en="") | ~Q(rationale_fr=""),
                name="assessment_has_rationale",
            ),
            Retractable.retraction_constraint("assessment_retraction_complete"),
        ]

    def __str__(self):
        return f"{self.cell}: {self.level} on {self.effective_on}"
