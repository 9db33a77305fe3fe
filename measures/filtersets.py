"""Filters REST clients use (django-filter: a bad value is a 400 naming the field)."""

import datetime

import django_filters
from django import forms
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from countries.filtersets import (
    CountryCodesFilter,
    SlugChoiceFilter,
    SlugMultipleChoiceFilter,
    visible_initiatives,
)
from countries.models import Membership

from .choices import Direction, Domain, Level, MarkingLevel, ProposalState, Scope
from .models import (
    Assessment,
    Cell,
    ChangeRecord,
    Evidence,
    Indicator,
    Measure,
    Proposal,
    Reply,
    Source,
)

# Dates in a query are ISO 8601 only: Django's form defaults also take
# "01/02/2012", which reads as 2 January or 1 February by Accept-Language.
ISO_DATE = ["%Y-%m-%d"]


def _codes(field, method=None):
    return CountryCodesFilter(
        field_name=field, label="ISO alpha-2 code, any case (repeat for several)", method=method
    )


# Ids and numbers beyond a signed 64-bit integer are refused here: SQLite
# cannot bind them (OverflowError, a 500) and no row carries one.
MAX_ID = 2**63 - 1

# ``status=``, the old name of ``cell=``, for one deprecation period (docs/api.md).
DEPRECATED_CELL = "deprecated: the old name of cell"


class CellIdField(forms.IntegerField):
    """The id of a cell that exists (cells are never hidden): else a 400."""

    default_error_messages = {"unknown": _("No cell has this id.")}

    def clean(self, value):
        value = super().clean(value)
        if value is not None and not Cell.objects.filter(pk=value).exists():
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return value


class IdFilter(django_filters.NumberFilter):
    """A cell id: a whole number (NumberFilter would take 1.5 or 1e30) naming
    a cell; an unknown one is a 400 naming the parameter."""

    field_class = CellIdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class NumberListWidget(forms.Widget):
    """``measure=3&measure=17`` and ``measure=3,17`` alike."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return [part.strip() for value in values for part in value.split(",") if part.strip()]


class NumberListField(forms.Field):
    widget = NumberListWidget
    default_error_messages = {
        "invalid": _("Whole numbers from 1 to 32767, e.g. 3 or 3,17."),
        "unknown": _("No measure has the number(s) %(numbers)s."),
    }

    def clean(self, value):
        numbers = []
        for part in value or ():
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 32767:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            numbers.append(int(part))
        if numbers:
            known = set(Measure.objects.filter(number__in=numbers).values_list("number", flat=True))
            unknown = sorted(set(numbers) - known)
            if unknown:
                raise forms.ValidationError(
                    self.error_messages["unknown"],
                    code="unknown",
                    params={"numbers": ", ".join(map(str, unknown))},
                )
        return numbers


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class NumberListFilter(django_filters.Filter):
    """Measure numbers, repeated or comma-separated; anything else is a 400."""

    field_class = NumberListField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, **kwargs)


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 timestamp, handed to the database in UTC: PostgreSQL refuses
    offsets beyond ±15:59 that Python parses (``...-19:32`` was a 500)."""

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError):  # year 9999 pushed past the end
            raise forms.ValidationError(_("An ISO 8601 timestamp."), code="invalid") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (also ``1``/``0``); anything else is a 400, where
    django-filter's NullBooleanField would read it as "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}
    default_error_messages = {"invalid": _("true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return self.VALUES[str(value).lower()]


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def visible_sources(request):
    """Sources the caller may see: a hidden key is "not a valid choice", like a typo."""
    return Source.objects.visible_to(getattr(request, "user", None))


def initiative_choice(**kwargs):
    """An initiative slug the caller may see (a hidden one is "not a valid choice")."""
    return SlugChoiceFilter(queryset=visible_initiatives, to_field_name="slug", **kwargs)


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
        codes = member_codes(self.request.user, value.slug, day)
        p = self.prefix
        return queryset.filter(Q(**{f"{p}country__in": codes}) | Q(**{f"{p}partner__in": codes}))


class CellFilterSet(CellFilterMixin):
    country = _codes("country", "filter_country")
    partner = _codes("partner")
    measure = NumberListFilter(field_name="measure__number", label="measure numbers")
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices)
    domain = django_filters.MultipleChoiceFilter(
        field_name="measure__domain", choices=Domain.choices
    )
    level = django_filters.MultipleChoiceFilter(
        choices=[*Level.choices, ("no_evidence", "not rated")],
        label="current level for the caller",
    )
    initiative = initiative_choice(
        method="filter_initiative", label="member countries at as_of (slug)"
    )
    updated_since = UTCDateTimeFilter(method="filter_updated_since")
    as_of = django_filters.DateFilter(
        method="filter_as_of", label="levels as of this date", input_formats=ISO_DATE
    )

    class Meta:
        model = Cell
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
        """Cells whose level may have moved: a visible assessment recorded or
        retracted since."""
        recent = Assessment.objects.visible_to(self.request.user).filter(
            Q(recorded_at__gte=value) | Q(retracted_at__gte=value)
        )
        return queryset.filter(pk__in=recent.values("cell_id"))


class AssessmentFilterSet(CellFilterMixin):
    prefix = "cell__"
    country = _codes("cell__country", "filter_country")
    partner = _codes("cell__partner")
    measure = NumberListFilter(field_name="cell__measure__number")
    cell = IdFilter(field_name="cell_id")
    status = IdFilter(field_name="cell_id", label=DEPRECATED_CELL)
    scope = django_filters.MultipleChoiceFilter(field_name="cell__scope", choices=Scope.choices)
    domain = django_filters.MultipleChoiceFilter(
        field_name="cell__measure__domain", choices=Domain.choices
    )
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    marking = django_filters.MultipleChoiceFilter(
        field_name="marking__level", choices=MarkingLevel.choices
    )
    retracted = StrictBooleanFilter()
    initiative = initiative_choice(method="filter_initiative", label="member countries (slug)")
    updated_since = UTCDateTimeFilter(
        method="filter_updated_since", label="recorded or retracted since"
    )
    as_of = django_filters.DateFilter(
        field_name="effective_on",
        lookup_expr="lte",
        label="effective on or before",
        input_formats=ISO_DATE,
    )

    class Meta:
        model = Assessment
        fields = [
            "country",
            "partner",
            "measure",
            "cell",
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

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(Q(recorded_at__gte=value) | Q(retracted_at__gte=value))


class EvidenceFilterSet(django_filters.FilterSet):
    country = CountryCodesFilter(field_name="cells__country", method="filter_country")
    measure = NumberListFilter(field_name="cells__measure__number", distinct=True)
    cell = IdFilter(field_name="cells", distinct=True)
    status = IdFilter(field_name="cells", distinct=True, label=DEPRECATED_CELL)
    initiative = SlugMultipleChoiceFilter(
        field_name="initiatives__slug",
        queryset=visible_initiatives,
        to_field_name="slug",
        distinct=True,
    )
    source = SlugChoiceFilter(queryset=visible_sources, to_field_name="key", label="source key")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    marking = django_filters.MultipleChoiceFilter(
        field_name="marking__level", choices=MarkingLevel.choices
    )
    retracted = StrictBooleanFilter()
    occurred_after = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="gte", input_formats=ISO_DATE
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="lte", input_formats=ISO_DATE
    )
    updated_since = UTCDateTimeFilter(
        method="filter_updated_since", label="filed, linked, re-marked or retracted since"
    )
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Evidence
        fields = [
            "country",
            "measure",
            "cell",
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

    def filter_updated_since(self, queryset, name, value):
        """Every write to evidence leaves an audit record: those since ``value``."""
        changed = ChangeRecord.objects.filter(
            content_type__app_label="measures", content_type__model="evidence", time__gte=value
        ).values("object_id")
        return queryset.annotate(pk_text=Cast("pk", CharField())).filter(pk_text__in=changed)

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
    initiative = SlugMultipleChoiceFilter(
        field_name="carriers__initiative__slug",
        queryset=visible_initiatives,
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
    measure = NumberListFilter(field_name="measure__number")
    country = CountryCodesFilter(field_name="observations__country", distinct=True)

    class Meta:
        model = Indicator
        fields = ["measure", "country"]


class ReplyFilterSet(django_filters.FilterSet):
    """Replies: by the country that replied, by the assessment answered."""

    country = _codes("country")
    assessment = django_filters.UUIDFilter(
        field_name="assessment__public_id", label="the assessment's id"
    )
    retracted = StrictBooleanFilter()

    class Meta:
        model = Reply
        fields = ["country", "assessment", "retracted"]


class ProposalFilterSet(CellFilterMixin):
    """``/proposals/``: by state, country (either of a pair) and measure."""

    prefix = "cell__"
    state = django_filters.MultipleChoiceFilter(choices=ProposalState.choices)
    country = _codes("cell__country", "filter_country")
    measure = NumberListFilter(field_name="cell__measure__number")

    class Meta:
        model = Proposal
        fields = ["state", "country", "measure"]
