import django_filters
from django.db.models import Q
from django.utils import timezone

from .choices import InitiativeKind
from .models import Country, Initiative, Membership, Region


class CountryFilterSet(django_filters.FilterSet):
    region = django_filters.ModelMultipleChoiceFilter(
        field_name="regions", queryset=Region.objects.all(), to_field_name="code"
    )
    initiative = django_filters.CharFilter(method="filter_initiative", label="initiative slug")
    on = django_filters.DateFilter(method="filter_noop", label="date for ?initiative=")
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
            .filter(initiative__slug=value)
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
    country = django_filters.ModelMultipleChoiceFilter(
        field_name="memberships__country",
        queryset=Country.objects.all(),
        to_field_name="iso2",
        distinct=True,
    )
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Initiative
        fields = ["kind", "country", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(slug__icontains=value)
            | Q(acronym__icontains=value)
            | Q(name_en__icontains=value)
            | Q(name_fr__icontains=value)
        )
