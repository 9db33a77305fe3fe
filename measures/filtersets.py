"""Filters REST clients use (django-filter: a bad value is a 400 naming the field)."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from countries.models import Country, Initiative, Membership

from .choices import Direction, Domain, Level, MarkingLevel, Scope
from .models import Assessment, Evidence, Indicator, Measure, Source, Status


def _codes(field, method=None):
    return django_filters.ModelMultipleChoiceFilter(
        field_name=field,
        queryset=Country.objects.all(),
        to_field_name="iso2",
        label="ISO alpha-2 code (repeat for several)",
        method=method,
    )


def member_codes(user, slug, day):
    """Countries in an initiative (any role but excluded) on a day."""
    members = (
        Membership.objects.visible_to(user)
        .filter(initiative__slug=slug)
        .exclude(role="excluded")
        .active_on(day or timezone.localdate())
    )
    return members.values("country_id")


class CellFilterMixin(django_filters.FilterSet):
    """Filters on a cell, for resources that belong to one (``prefix`` to it)."""

    prefix = ""

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        codes = [c.pk for c in value]
        p = self.prefix
        return queryset.filter(Q(**{f"{p}country__in": codes}) | Q(**{f"{p}partner__in": codes}))

    def filter_initiative(self, queryset, name, value):
        day = self.form.cleaned_data.get("as_of")
        codes = member_codes(self.request.user, value, day)
        p = self.prefix
        return queryset.filter(Q(**{f"{p}country__in": codes}) | Q(**{f"{p}partner__in": codes}))


class StatusFilterSet(CellFilterMixin):
    country = _codes("country", "filter_country")
    partner = _codes("partner")
    measure = django_filters.BaseInFilter(field_name="measure__number", label="measure numbers")
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices)
    domain = django_filters.MultipleChoiceFilter(
        field_name="measure__domain", choices=Domain.choices
    )
    level = django_filters.MultipleChoiceFilter(
        choices=[*Level.choices, ("no_evidence", "no evidence")],
        label="current level for the caller",
    )
    initiative = django_filters.CharFilter(
        method="filter_initiative", label="member countries at as_of (slug)"
    )
    updated_since = django_filters.IsoDateTimeFilter(method="filter_updated_since")
    as_of = django_filters.DateFilter(method="filter_as_of", label="levels as of this date")

    class Meta:
        model = Status
        fields = [
            "country",
            "partner",
            "measure",
            "scope",
            "domain",
            "level",
            "initiative",
            "updated_since",
            "as_of",
        ]

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied by the view when it annotates the levels

    def filter_updated_since(self, queryset, name, value):
        recent = Assessment.objects.visible_to(self.request.user).filter(recorded_at__gte=value)
        return queryset.filter(pk__in=recent.values("status_id"))


class AssessmentFilterSet(CellFilterMixin):
    prefix = "status__"
    country = _codes("status__country", "filter_country")
    partner = _codes("status__partner")
    measure = django_filters.BaseInFilter(field_name="status__measure__number")
    status = django_filters.NumberFilter(field_name="status_id")
    scope = django_filters.MultipleChoiceFilter(field_name="status__scope", choices=Scope.choices)
    domain = django_filters.MultipleChoiceFilter(
        field_name="status__measure__domain", choices=Domain.choices
    )
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    marking = django_filters.MultipleChoiceFilter(
        field_name="marking__level", choices=MarkingLevel.choices
    )
    retracted = django_filters.BooleanFilter()
    initiative = django_filters.CharFilter(method="filter_initiative")
    updated_since = django_filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="gte")
    as_of = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="lte", label="effective on or before"
    )

    class Meta:
        model = Assessment
        fields = [
            "country",
            "partner",
            "measure",
            "status",
            "scope",
            "domain",
            "level",
            "marking",
            "retracted",
            "initiative",
            "updated_since",
            "as_of",
        ]


class EvidenceFilterSet(django_filters.FilterSet):
    country = django_filters.ModelMultipleChoiceFilter(
        field_name="cells__country",
        queryset=Country.objects.all(),
        to_field_name="iso2",
        method="filter_country",
    )
    measure = django_filters.BaseInFilter(field_name="cells__measure__number", distinct=True)
    status = django_filters.NumberFilter(field_name="cells", distinct=True)
    initiative = django_filters.ModelMultipleChoiceFilter(
        field_name="initiatives",
        queryset=Initiative.objects.all(),
        to_field_name="slug",
        distinct=True,
    )
    source = django_filters.CharFilter(field_name="source__key")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    marking = django_filters.MultipleChoiceFilter(
        field_name="marking__level", choices=MarkingLevel.choices
    )
    retracted = django_filters.BooleanFilter()
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Evidence
        fields = [
            "country",
            "measure",
            "status",
            "initiative",
            "source",
            "direction",
            "marking",
            "retracted",
            "occurred_after",
            "occurred_before",
            "updated_since",
            "q",
        ]

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        codes = [c.pk for c in value]
        return queryset.filter(Q(cells__country__in=codes) | Q(cells__partner__in=codes)).distinct()

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(summary_en__icontains=value)
            | Q(summary_fr__icontains=value)
            | Q(quote__icontains=value)
            | Q(locator__icontains=value)
        )


class MeasureFilterSet(django_filters.FilterSet):
    domain = django_filters.MultipleChoiceFilter(choices=Domain.choices)
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices)
    initiative = django_filters.ModelMultipleChoiceFilter(
        field_name="carriers__initiative",
        queryset=Initiative.objects.all(),
        to_field_name="slug",
        distinct=True,
    )
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Measure
        fields = ["domain", "scope", "initiative", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(title_en__icontains=value)
            | Q(title_fr__icontains=value)
            | Q(description_en__icontains=value)
            | Q(description_fr__icontains=value)
        )


class SourceFilterSet(django_filters.FilterSet):
    language = django_filters.ChoiceFilter(choices=[("en", "English"), ("fr", "Français")])
    marking = django_filters.MultipleChoiceFilter(
        field_name="marking__level", choices=MarkingLevel.choices
    )
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Source
        fields = ["language", "marking", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(author__icontains=value) | Q(publisher__icontains=value)
        )


class IndicatorFilterSet(django_filters.FilterSet):
    measure = django_filters.NumberFilter(field_name="measure__number")
    country = django_filters.ModelMultipleChoiceFilter(
        field_name="observations__country",
        queryset=Country.objects.all(),
        to_field_name="iso2",
        distinct=True,
    )

    class Meta:
        model = Indicator
        fields = ["measure", "country"]
