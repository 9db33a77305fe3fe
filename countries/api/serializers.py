from rest_framework import serializers

from countries.models import Country, Initiative, Membership
from measures.audit import disclosures


class MarkingLabel(serializers.StringRelatedField):
    """A marked row's marking by its label (unmarked: null); the row goes out
    with the response, for the disclosure ledger."""

    def get_attribute(self, instance):
        disclosures.note([instance])
        return super().get_attribute(instance)


class CountrySerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Country
        fields = ["iso2", "iso3", "name_en", "name_fr", "name_ar", "regions"]


class MembershipSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id")
    marking = MarkingLabel(allow_null=True)  # unmarked: null

    class Meta:
        model = Membership
        fields = [
            "country", "role", "start", "start_precision", "end", "end_precision", "note",
            "marking",
        ]  # fmt: skip


class InitiativeSerializer(serializers.ModelSerializer):
    """Memberships and carried measures are prefetched, already filtered to
    what the caller may see (countries/api/views.py)."""

    memberships = MembershipSerializer(many=True, source="visible_memberships")
    measures = serializers.SerializerMethodField()
    marking = MarkingLabel(allow_null=True)  # unmarked: null

    class Meta:
        model = Initiative
        fields = [
            "slug", "acronym", "name_en", "name_fr", "kind", "started_on", "start_precision",
            "ended_on", "end_precision", "seat", "description_en", "description_fr", "marking",
            "measures", "memberships",
        ]  # fmt: skip

    def get_measures(self, obj) -> list[int]:
        return sorted(c.measure.number for c in obj.carried_measures.all())
