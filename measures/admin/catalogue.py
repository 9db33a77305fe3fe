"""Measures, indicators and sources."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import services
from ..access import visible_markings
from ..models import (
    CarriedMeasure,
    Indicator,
    Measure,
    Observation,
    Source,
)
from .base import (
    ReferenceAdmin,
    ReferenceInline,
    ServiceAdmin,
    resolve_marking,
)
from .filters import LinkedInitiativeFilter, VisibleInitiativeFilter
from .forms import (
    SourceForm,
)

# --- measures ------------------------------------------------------------------


class CarriedMeasureInline(ReferenceInline):
    model = CarriedMeasure
    autocomplete_fields = ["initiative", "measure", "cite_source"]


@admin.register(Measure)
class MeasureAdmin(ReferenceAdmin):
    list_display = ["number", "title_en", "domain", "scope", "cadence_days", "target", "citation"]
    list_display_links = ["number", "title_en"]
    list_filter = ["domain", "scope", VisibleInitiativeFilter]
    search_fields = ["title_en", "title_fr", "description_en", "=number"]
    list_select_related = ["cite_source"]
    ordering = ["number"]
    autocomplete_fields = ["cite_source"]
    inlines = [CarriedMeasureInline]

    @admin.display(description=_("target"))
    def target(self, obj):
        if obj.target_value is None:
            return "—"
        return f"{obj.baseline_value} → {obj.target_value} {obj.unit}"


@admin.register(CarriedMeasure)
class CarriedMeasureAdmin(ReferenceAdmin):
    list_display = ["measure", "initiative", "note", "citation"]
    list_filter = [LinkedInitiativeFilter, "measure__domain"]
    search_fields = ["note", "initiative__slug", "initiative__acronym", "=measure__number"]
    list_select_related = ["measure", "initiative", "cite_source"]
    autocomplete_fields = ["initiative", "measure", "cite_source"]


class ObservationInline(ReferenceInline):
    model = Observation
    autocomplete_fields = ["country", "cite_source"]


@admin.register(Indicator)
class IndicatorAdmin(ReferenceAdmin):
    list_display = ["slug", "name_en", "unit", "measure", "observation_count"]
    search_fields = ["slug", "name_en", "name_fr"]
    list_filter = ["measure"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure", "cite_source"]
    inlines = [ObservationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_observations=Count("observations"))

    @admin.display(description=_("observations"), ordering="n_observations")
    def observation_count(self, obj):
        return obj.n_observations


@admin.register(Observation)
class ObservationAdmin(ReferenceAdmin):
    list_display = ["indicator", "country", "observed_on", "precision", "value", "citation"]
    list_filter = ["indicator", "country", "precision"]
    search_fields = ["indicator__slug", "indicator__name_en", "country__iso2", "note"]
    date_hierarchy = "observed_on"
    list_select_related = ["indicator", "country", "cite_source"]
    autocomplete_fields = ["indicator", "country", "cite_source"]


# --- sources -------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    form = SourceForm
    list_display = [
        "key",
        "title",
        "author",
        "publisher",
        "published_on",
        "language",
        "marking_display",
        "evidence_count",
    ]
    list_display_links = ["key", "title"]
    list_filter = ["language", "marking__level"]
    search_fields = ["key", "title", "author", "publisher", "description"]
    list_select_related = ["marking"]
    ordering = ["key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "title",
                    ("author", "publisher"),
                    ("published_on", "published_precision"),
                    "language",
                    "file_name",
                    "url",
                    "description",
                ]
            },
        ),
        (_("Handling"), {"fields": ["marking_level", "releasable_to", "expected_version"]}),
    ]

    def get_queryset(self, request):
        visible = visible_markings(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_evidence=Count("evidence", filter=Q(evidence__marking__in=visible), distinct=True)
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            facts = self.fieldsets[0]
            return [facts, (_("Handling"), {"fields": ["marking_display"]})]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ["marking_display"]

    @admin.display(description=_("evidence"), ordering="n_evidence")
    def evidence_count(self, obj):
        url = reverse("admin:measures_evidence_changelist") + f"?source={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_evidence)

    def write_object(self, user, form, change):
        if change and not form.has_changed():
            return
        obj = form.instance
        obj.marking = resolve_marking(form.cleaned_data["marking"], user)
        version = form.cleaned_data.get("expected_version") if change else None
        services.save_source(user, obj, expected_version=version)
