from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Cited, Versioned
from measures.access import OptionallyMarkedQuerySet

from .choices import DatePrecision, InitiativeKind, MembershipRole


class Region(Versioned):
    code = models.SlugField(primary_key=True, max_length=32)
    name_en = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name_en


class Country(Versioned, Cited):
    # ISO 3166 alpha-2 is the natural key and the primary key: FK columns then
    # read "DZ", and canonical pair order is a plain comparison in SQL.
    iso2 = models.CharField(
        _("ISO alpha-2"),
        max_length=2,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Two capital letters."))],
    )
    iso3 = models.CharField(
        _("ISO alpha-3"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters."))],
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100, blank=True)
    regions = models.ManyToManyField(Region, related_name="countries", blank=True)

    class Meta:
        ordering = ["iso2"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_format"
            ),
            models.CheckConstraint(
                condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_format"
            ),
        ]

    def __str__(self):
        return f"{self.name_en} ({self.iso2})"


class CountryPair(Versioned, Cited):
    """Two neighbours tracked together on bilateral measures, in canonical order."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="pairs_as_first")
    partner = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="pairs_as_second")
    note = models.CharField(max_length=300, blank=True)
    note_fr = models.CharField(_("note (French)"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["country", "partner"], name="countrypair_unique"),
            # Canonical order (alphabetical ISO codes) also rules out a self-pair.
            models.CheckConstraint(
                condition=Q(country__lt=F("partner")), name="countrypair_canonical_order"
            ),
        ]

    def __str__(self):
        return f"{self.country_id}–{self.partner_id}"

    @staticmethod
    def canonical(a, b):
        """The two ISO codes in the order the database stores them."""
        return (a, b) if a <= b else (b, a)


class OptionallyMarked(models.Model):
    """Reference data is public unless its only source is not: then it carries
    that source's marking and obeys the same visibility rule as evidence."""

    marking = models.ForeignKey(
        "measures.Marking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Initiative(Versioned, Cited, OptionallyMarked):
    slug = models.SlugField(unique=True, max_length=64)
    acronym = models.CharField(max_length=32, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    kind = models.CharField(max_length=32, choices=InitiativeKind.choices)
    started_on = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    seat = models.CharField(max_length=100, blank=True)
    description_en = models.TextField(blank=True)
    description_fr = models.TextField(blank=True)
    countries = models.ManyToManyField(
        Country, through="Membership", related_name="initiatives", blank=True
    )

    objects = OptionallyMarkedQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InitiativeKind.values), name="initiative_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="initiative_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.acronym or self.name_en


class MembershipQuerySet(OptionallyMarkedQuerySet):
    def active_on(self, day):
        """Memberships in force on ``day`` (an open start or end is unbounded)."""
        return self.filter(Q(start__isnull=True) | Q(start__lte=day)).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )


class Membership(Versioned, Cited, OptionallyMarked):
    """Who belongs to what, in which role, when: "members of CEMOC on 2012-06-30"."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="memberships")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices)
    start = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    end = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    note_fr = models.CharField(_("note (French)"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["initiative", "country", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["initiative", "country", "role", "start"],
                name="membership_unique_period",
            ),
        ]

    def __str__(self):
        return f"{self.country_id} in {self.initiative} ({self.role})"
