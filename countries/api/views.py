from django.db.models import Prefetch

from cbm_tracker.api.viewsets import ReadOnlyViewSet
from countries.filtersets import CountryFilterSet, InitiativeFilterSet
from countries.models import Country, Initiative, Membership
from measures.models import CarriedMeasure

from .serializers import CountrySerializer, InitiativeSerializer


class CountryViewSet(ReadOnlyViewSet):
    """The tracked countries, by ISO alpha-2 code, with their regions."""

    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet
    csv_table = "countries"
    lookup_field = "iso2"
    lookup_value_regex = "[A-Za-z]{2}"

    def base_queryset(self, user):
        return Country.objects.prefetch_related("regions").order_by("iso2")

    def get_object(self):
        # /countries/dz/ is Algeria too, as in /scorecards/countries/dz/.
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


class InitiativeViewSet(ReadOnlyViewSet):
    """Regional initiatives the caller may see, by slug, with dated memberships
    and the measures they carry."""

    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilterSet
    csv_table = "initiatives"
    lookup_field = "slug"

    def base_queryset(self, user):
        return (
            Initiative.objects.visible_to(user)
            .select_related("marking")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.visible_to(user)
                    .select_related("marking")
                    .order_by("country_id", "start"),
                    to_attr="visible_memberships",
                ),
                Prefetch(
                    "carried_measures",
                    queryset=CarriedMeasure.objects.select_related("measure"),
                ),
            )
            .order_by("slug")
        )
