"""GET /api/v1/me/: who the caller is to the tracker — role, clearance,
scope and affiliations — so a client can tell what it will be shown and
what it may write without asking an administrator."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import VARY
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.permissions import CanRead
from measures.choices import MarkingLevel, Role
from measures.reads.accounts import account_of


class CountryNameSerializer(serializers.Serializer):
    iso2 = serializers.CharField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()


class AffiliationsSerializer(serializers.Serializer):
    countries = CountryNameSerializer(many=True)
    initiatives = serializers.ListField(
        child=serializers.SlugField(), help_text="Slugs of the initiatives."
    )


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    clearance = serializers.ChoiceField(
        choices=MarkingLevel.choices, help_text="The highest marking the caller may read."
    )
    scope = CountryNameSerializer(
        many=True, help_text="Countries the caller records for (an editor) or replies for."
    )
    affiliations = AffiliationsSerializer(
        help_text="Whom the caller belongs to: opens items released to them."
    )
    may_edit = serializers.BooleanField()
    may_reply = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [IsAuthenticated, CanRead]

    @extend_schema(responses={200: MeSerializer, **ERRORS}, operation_id="me")
    def get(self, request):
        response = Response(MeSerializer(account_of(request.user)).data)
        response["Vary"] = VARY
        response["Cache-Control"] = "private, no-store"
        return response
