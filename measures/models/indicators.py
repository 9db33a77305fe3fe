from django.db import models
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Cited, Versioned
from countries.choices import DatePrecision


class Indicator(Versioned, Cited):
    """A dated numeric series: military expenditure, forces, attacks, trade share."""

    slug = models.SlugField(unique=True, max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    unit = models.CharField(max_length=100)
    unit_fr = models.CharField(_("unit (French)"), max_length=100, blank=True)
    description_en = models.TextField(blank=True)
    description_fr = models.TextField(blank=True)
    measure = models.ForeignKey(
        "measures.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name_en


class Observation(Versioned, Cited):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    # Empty for a region-wide figure (intra-Maghreb trade share).
    country = models.ForeignKey(
        "countries.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observations",
    )
    observed_on = models.DateField()
    precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.YEAR
    )
    value = models.DecimalField(max_digits=18, decimal_places=3)
    note = models.CharField(max_length=300, blank=True)
    note_fr = models.CharField(_("note (French)"), max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "country", "observed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "country", "observed_on"],
                name="observation_unique_per_date",
            )
        ]

    def __str__(self):
        return f"{self.indicator.slug} {self.country_id or '—'} {self.observed_on}: {self.value}"
