"""List filters of the admin that offer, and filter by, only what the viewer may see."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countries.models import Initiative, Membership

from ..choices import NO_EVIDENCE, Level
from ..models import Source
from ..reads.labels import level_label

# A cell of the admin is one country or one pair, so never "mixed".
LEVEL_LABELS = {level: level_label(level) for level in [*Level.values, NO_EVIDENCE]}


def visible_value(list_filter, request, model):
    """Does a list filter's value name a row of ``model`` the viewer may see?
    A hidden row then filters exactly like an id that does not exist."""
    value = str(list_filter.value())
    # Beyond 18 digits no row has it (and SQLite could not bind it).
    return (
        value.isascii()
        and value.isdigit()
        and len(value) <= 18
        and (model.objects.visible_to(request.user).filter(pk=int(value)).exists())
    )


class LevelFilter(admin.SimpleListFilter):
    """The current level of a cell *for the viewer* (an annotation)."""

    title = _("current level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return list(LEVEL_LABELS.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(level=self.value())
        return queryset


class InitiativeFilter(admin.SimpleListFilter):
    """Rows whose country (or partner) is a member of an initiative, by the
    memberships the viewer may see."""

    title = _("initiative (members)")
    parameter_name = "initiative"
    member_fields = ("country", "partner")

    def lookups(self, request, model_admin):
        return [(i.pk, str(i)) for i in Initiative.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not visible_value(self, request, Initiative):
            return queryset.none()  # hidden or unknown: the same empty list
        members = (
            Membership.objects.visible_to(request.user)
            .filter(initiative_id=self.value())
            .values("country")
        )
        condition = Q()
        for field in self.member_fields:
            condition |= Q(**{f"{field}__in": members})
        return queryset.filter(condition)


class CellInitiativeFilter(InitiativeFilter):
    member_fields = ("cell__country", "cell__partner")


class CountryInitiativeFilter(InitiativeFilter):
    title = _("initiative")
    member_fields = ("pk",)


def visible_choice_filter(field_path, model, title):
    """A list filter on a relation to a (possibly) marked model, offering only
    the rows the viewer may see (Django's related filter lists them all)."""

    class Filter(admin.SimpleListFilter):
        parameter_name = field_path

        def lookups(self, request, model_admin):
            return [(o.pk, str(o)) for o in model.objects.visible_to(request.user)]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            if not visible_value(self, request, model):
                return queryset.none()  # hidden or unknown: the same empty list
            return queryset.filter(**{field_path: self.value()})

    Filter.title = title
    return Filter


VisibleInitiativeFilter = visible_choice_filter("initiatives", Initiative, _("initiative"))
LinkedInitiativeFilter = visible_choice_filter("initiative", Initiative, _("initiative"))


class VisibleSourceFilter(admin.SimpleListFilter):
    """Filter by source, listing only the sources the viewer may see."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [
            (s.pk, f"[{s.key}] {s.title[:50]}") for s in Source.objects.visible_to(request.user)
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not visible_value(self, request, Source):
            return queryset.none()  # hidden or unknown: the same empty list
        return queryset.filter(source_id=self.value())
