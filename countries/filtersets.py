import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .choices import InitiativeKind
from .models import Country, Initiative, Membership, Region


# The schema cannot read a per-request queryset: these say "a slug / a code".
@extend_schema_field(OpenApiTypes.STR)
class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """One row by a natural key (``to_field_name``), as a string parameter."""


@extend_schema_field(OpenApiTypes.STR)
class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows by natural key, repeated (``?country=DZ&country=MA``)."""


class CountryCodesField(django_filters.fields.ModelMultipleChoiceField):
    """ISO alpha-2 codes in either case (``ma`` is ``MA``), as everywhere in
    the API: paths, filters, bodies."""

    def _check_values(self, value):
        return super()._check_values([v.upper() if isinstance(v, str) else v for v in value])


@extend_schema_field(OpenApiTypes.STR)
class CountryCodesFilter(django_filters.ModelMultipleChoiceFilter):
    """Countries by ISO alpha-2 code, any case, repeated (``?country=DZ&country=ma``);
    an unknown code is a 400 naming the parameter."""

    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)


def visible_initiatives(request):
    """Initiatives the caller may see: a filter on a hidden one is "not a valid
    choice", exactly like a slug that does not exist."""
    return Initiative.objects.visible_to(getattr(request, "user", None))


class CountryFilterSet(django_filters.FilterSet):
    region = django_filters.ModelMultipleChoiceFilter(
        field_name="regions", queryset=Region.objects.all(), to_field_name="code"
    )
    initiative = SlugChoiceFilter(
        queryset=visible_initiatives,
        to_field_name="slug",
        method="filter_initiative",
        label="initiative slug",
    )
    on = django_filters.DateFilter(
        method="filter_noop", label="date for ?initiative=", input_formats=["%Y-%m-%d"]
    )
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Country
        fields = ["region", "initiative", "on", "q"]

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_initiative

    def filter_initiative(self, queryset, name, value):
        """Member countries (any role but excluded) at ``on`` (default today)."""
        day = self.form.cleaned_data.get("on") or timezone.localdate()
        members = (
            Membership.objects.visible_to(self.request.user)
            .filter(initiative=value)
            .exclude(role="excluded")
            .active_on(day)
        )
        return queryset.filter(pk__in=members.values("country_id"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(iso2__iexact=value) | Q(name_en__icontains=value) | Q(name_fr__icontains=value)
        )


class InitiativeFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=InitiativeKind.choices)
    country = CountryCodesFilter(method="filter_country")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Initiative
        fields = ["kind", "country", "q"]

    def filter_country(self, queryset, name, value):
        """Initiatives with a membership (any period) of these countries that the
        caller may see: a hidden membership must not select its initiative."""
        if not value:
            return queryset
        members = Membership.objects.visible_to(self.request.user).filter(country__in=value)
        return queryset.filter(pk__in=members.values("initiative_id"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(slug__icontains=value)
            | Q(acronym__icontains=value)
            | Q(name_en__icontains=value)
            | Q(name_fr__icontains=value)
        )
