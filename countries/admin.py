"""Reference data: regions, countries, pairs, initiatives and memberships.

Admins only; every write goes through ``services.save_reference`` /
``services.delete_reference`` (see measures/admin/base.py for the machinery).
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from measures.access import visible_markings
from measures.admin.base import (
    ReferenceAdmin,
    ReferenceInline,
)
from measures.admin.catalogue import CarriedMeasureInline
from measures.admin.filters import CountryInitiativeFilter, LinkedInitiativeFilter
from measures.admin.forms import MarkedReferenceForm

from .models import Country, CountryPair, Initiative, Membership, Region


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["code", "name_en", "name_fr", "country_count"]
    search_fields = ["code", "name_en", "name_fr"]
    show_audit_trail = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_countries=Count("countries"))

    @admin.display(description=_("countries"), ordering="n_countries")
    def country_count(self, obj):
        return obj.n_countries


class MembershipInline(ReferenceInline):
    model = Membership
    form = MarkedReferenceForm
    fields = [
        "country",
        "role",
        "start",
        "start_precision",
        "end",
        "end_precision",
        "note",
        "note_fr",
        "cite_source",
        "cite_locator",
    ]
    autocomplete_fields = ["country", "cite_source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country", "cite_source", "marking")


@admin.register(Country)
class CountryAdmin(ReferenceAdmin):
    list_display = ["iso2", "iso3", "name_en", "name_fr", "name_ar", "region_list", "citation"]
    list_display_links = ["iso2", "name_en"]
    list_filter = ["regions", CountryInitiativeFilter]
    search_fields = ["iso2", "iso3", "name_en", "name_fr", "name_ar"]
    list_select_related = ["cite_source"]
    ordering = ["iso2"]
    autocomplete_fields = ["cite_source"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regions")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("iso2")  # the primary key
        return readonly

    @admin.display(description=_("regions"))
    def region_list(self, obj):
        return ", ".join(r.code for r in obj.regions.all()) or "—"


@admin.register(CountryPair)
class CountryPairAdmin(ReferenceAdmin):
    list_display = ["__str__", "country", "partner", "note", "citation"]
    list_filter = ["country", "partner"]
    search_fields = ["country__iso2", "country__name_en", "partner__iso2", "partner__name_en"]
    list_select_related = ["country", "partner", "cite_source"]
    autocomplete_fields = ["country", "partner", "cite_source"]


@admin.register(Initiative)
class InitiativeAdmin(ReferenceAdmin):
    list_display = [
        "slug",
        "acronym",
        "name_en",
        "kind",
        "started_on",
        "ended_on",
        "seat",
        "member_count",
        "marking_display",
    ]
    list_display_links = ["slug", "acronym"]
    list_filter = ["kind", "marking__level"]
    search_fields = ["slug", "acronym", "name_en", "name_fr", "seat"]
    ordering = ["slug"]
    autocomplete_fields = ["cite_source"]
    inlines = [MembershipInline, CarriedMeasureInline]

    def get_queryset(self, request):
        # Members by the memberships this viewer may see (some are marked).
        visible = Q(memberships__marking__isnull=True) | Q(
            memberships__marking__in=visible_markings(request.user).values("pk")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(n_members=Count("memberships__country", filter=visible, distinct=True))
        )

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members


@admin.register(Membership)
class MembershipAdmin(ReferenceAdmin):
    list_display = [
        "country",
        "initiative",
        "role",
        "start",
        "end",
        "note",
        "citation",
        "marking_display",
    ]
    list_filter = ["role", LinkedInitiativeFilter, "country", "marking__level"]
    search_fields = [
        "country__iso2",
        "country__name_en",
        "initiative__slug",
        "initiative__acronym",
        "note",
    ]
    list_select_related = ["country", "initiative", "cite_source", "marking"]
    autocomplete_fields = ["country", "initiative", "cite_source"]
