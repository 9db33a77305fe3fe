"""What is tracked and where it is written: sources and the twenty measures."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Cited, Versioned
from countries.choices import DatePrecision

from ..access import CarriedWithInitiativeQuerySet, VisibleQuerySet
from ..choices import Domain, Scope


class Source(Versioned):
    key = models.SlugField(
        unique=True, max_length=64, help_text=_("Short stable identifier, e.g. 000.")
    )
    file_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    language = models.CharField(max_length=8, choices=[("en", "English"), ("fr", "Français")])
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    marking = models.ForeignKey("measures.Marking", on_delete=models.PROTECT, related_name="+")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"[{self.key}] {self.title}"


class Measure(Versioned, Cited):
    number = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1)])
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    # A few words for column headers, chips and the map, where the full title
    # does not fit (the heat map's headers on a wide screen, a phone's cards).
    short_title_en = models.CharField(_("short title (English)"), max_length=40, blank=True)
    short_title_fr = models.CharField(_("short title (French)"), max_length=40, blank=True)
    description_en = models.TextField(blank=True)
    description_fr = models.TextField(blank=True)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    # Optional quantitative target (measure 20: intra-Maghreb trade 2.5 % -> 10 %).
    baseline_value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    baseline_on = models.DateField(null=True, blank=True)
    baseline_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    target_value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=100, blank=True)
    unit_fr = models.CharField(_("unit (French)"), max_length=100, blank=True)
    # How often a cell of this measure should be looked at again: a tracking
    # policy, not a fact about the world (so it carries no citation). A cell
    # is due this many days after the date its level was last known true.
    cadence_days = models.PositiveSmallIntegerField(
        _("reporting cadence (days)"),
        default=365,
        validators=[MinValueValidator(7)],
        help_text=_("A cell is due this many days after its last assessment or reconfirmation."),
    )
    initiatives = models.ManyToManyField(
        "countries.Initiative", through="CarriedMeasure", related_name="measures", blank=True
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="measure_number_positive"),
            models.CheckConstraint(
                condition=Q(domain__in=Domain.values), name="measure_domain_valid"
            ),
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="measure_scope_valid"),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | ~Q(unit=""),
                name="measure_target_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(cadence_days__gte=7), name="measure_cadence_at_least_a_week"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title_en}"

    def clean(self):
        # Cells copy the scope (a partner iff bilateral is a database check on
        # the cell), so a measure keeps its scope once it has cells.
        if self.pk is not None and self.cells.exists():
            stored = Measure.objects.filter(pk=self.pk).values_list("scope", flat=True).first()
            if stored != self.scope:
                raise ValidationError(
                    {"scope": _("This measure already has cells; its scope cannot change.")}
                )

    @property
    def is_bilateral(self):
        return self.scope == Scope.BILATERAL


class CarriedMeasure(Versioned, Cited):
    """An initiative through which a measure lives (or dies)."""

    initiative = models.ForeignKey(
        "countries.Initiative", on_delete=models.CASCADE, related_name="carried_measures"
    )
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="carriers")
    note = models.CharField(max_length=300, blank=True)
    note_fr = models.CharField(_("note (French)"), max_length=300, blank=True)

    objects = CarriedWithInitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "initiative"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "measure"], name="carriedmeasure_unique")
        ]

    def __str__(self):
        return f"{self.initiative} carries {self.measure.number}"

    @property
    def marking(self):
        """Seen with its initiative, so audited under the initiative's marking."""
        return self.initiative.marking
