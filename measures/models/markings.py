from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countries.models import Country, Initiative

from ..choices import MARKING_RANK, MarkingLevel


def _is_country_code(code):
    """Two ASCII letters, in either case: an ISO alpha-2 code (no initiative
    slug is two letters long)."""
    return len(code) == 2 and code.isascii() and code.isalpha()


class MarkingManager(models.Manager):
    def resolve(self, level, releasable_to=(), *, viewer=None):
        """The marking for ``level`` + releasable-to codes, created on first use.

        ``releasable_to`` holds ISO alpha-2 codes (countries, any case) and
        initiative slugs (organisations such as ``nato``). Markings are
        immutable values: re-marking a row points it at another marking.

        With a ``viewer`` (a user or Viewer: whoever names the codes), an
        initiative hidden from them is refused exactly like a code that does
        not exist — same message, same field — so the refusal tells nothing.
        """
        if level not in MarkingLevel.values:
            raise ValidationError(
                {"marking": _("Unknown marking level %(level)r.") % {"level": level}}
            )
        codes = sorted({c.upper() if _is_country_code(c) else c for c in releasable_to})
        iso = [c for c in codes if _is_country_code(c)]
        slugs = [c for c in codes if c not in iso]
        initiatives = Initiative.objects.filter(slug__in=slugs)
        if viewer is not None:
            initiatives = initiatives.visible_to(viewer)
        countries = list(Country.objects.filter(iso2__in=iso))
        initiatives = list(initiatives)
        unknown = set(codes) - {c.iso2 for c in countries} - {i.slug for i in initiatives}
        if unknown:
            raise ValidationError(
                {
                    "marking": _("Unknown releasable-to code(s): %(codes)s.")
                    % {"codes": ", ".join(sorted(unknown))}
                }
            )
        key = f"{level}:{','.join(codes)}" if codes else level
        marking, created = self.get_or_create(
            key=key,
            defaults={"level": level, "rank": MARKING_RANK[level], "releasable_to_all": not codes},
        )
        if created and codes:
            marking.releasable_countries.set(countries)
            marking.releasable_initiatives.set(initiatives)
        return marking

    def public(self):
        return self.resolve(MarkingLevel.PUBLIC)


class Marking(models.Model):
    """A handling marking: a level plus an optional releasable-to list.

    A user sees a row marked so iff their clearance is at least ``level`` and
    the list is empty or names one of their affiliations (measures/access/).
    """

    key = models.CharField(max_length=300, unique=True, editable=False)
    level = models.CharField(max_length=12, choices=MarkingLevel.choices)
    # Denormalised from ``level`` so that "at or below a clearance" is a range.
    rank = models.PositiveSmallIntegerField()
    releasable_to_all = models.BooleanField(default=True)
    releasable_countries = models.ManyToManyField(Country, blank=True, related_name="+")
    releasable_initiatives = models.ManyToManyField(Initiative, blank=True, related_name="+")

    objects = MarkingManager()

    class Meta:
        ordering = ["rank", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=MarkingLevel.values), name="marking_level_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(level=MarkingLevel.PUBLIC, rank=0)
                    | Q(level=MarkingLevel.RESTRICTED, rank=1)
                    | Q(level=MarkingLevel.CONFIDENTIAL, rank=2)
                ),
                name="marking_rank_matches_level",
            ),
        ]

    def __str__(self):
        label = self.get_level_display().upper()
        if self.releasable_to_all:
            return label
        return _("%(label)s — releasable to %(codes)s") % {
            "label": label,
            "codes": ", ".join(self.releasable_codes),
        }

    @property
    def releasable_codes(self):
        return sorted(self.key.partition(":")[2].split(",")) if not self.releasable_to_all else []

    def covers(self, other):
        """True when everyone who may see ``self`` may also see ``other``.

        That is what "marked at least as high" means once markings carry
        releasable-to lists: evidence must cover its source, an assessment the
        evidence it rests on.
        """
        if self.rank < other.rank:
            return False
        if other.releasable_to_all:
            return True
        return not self.releasable_to_all and set(self.releasable_codes) <= set(
            other.releasable_codes
        )


class UserProfile(models.Model):
    """What a user is cleared for, whom they are affiliated with, where they may edit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cbm_profile"
    )
    clearance = models.CharField(
        max_length=12, choices=MarkingLevel.choices, default=MarkingLevel.PUBLIC
    )
    affiliated_countries = models.ManyToManyField(Country, blank=True, related_name="+")
    affiliated_initiatives = models.ManyToManyField(Initiative, blank=True, related_name="+")
    # Countries an editor may record for (a pair if either country is in scope).
    scope_countries = models.ManyToManyField(Country, blank=True, related_name="+")
    # The above (and the user's role) as one snapshot, written with them by
    # services.grant: what measures.access builds a Viewer from.
    access = models.JSONField(default=dict, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clearance__in=MarkingLevel.values), name="profile_clearance_valid"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.clearance})"
