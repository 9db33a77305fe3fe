"""Search (GET /search/?q=): the search page's hits, as JSON.

The same read as the page (``measures.reads.search``): matched in the search
index, narrowed to what the caller may see, grouped by kind with counts.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import revision_etag
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.openapi import AutoSchema
from cbm_tracker.api.viewsets import conditional_response
from measures.reads import search as searching

from .serializers import MarkingField


class HitSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="Names the row in the other resources: measure number, ISO alpha-2, "
        "initiative slug, source key, evidence id."
    )
    title = serializers.CharField(help_text="In the request's language where the row has it.")
    detail = serializers.CharField(help_text="Short title, codes, acronym, author or source.")
    url = serializers.SerializerMethodField(help_text="The row's web page.")
    marking = MarkingField(read_only=True, allow_null=True)

    def get_url(self, hit) -> str:
        return self.context["request"].build_absolute_uri(hit.url)


class GroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(searching.KIND_LABELS))
    count = serializers.IntegerField(help_text="Hits of this kind the caller may see.")
    results = HitSerializer(
        source="hits", many=True, help_text=f"The first {searching.LIMIT}, best first."
    )


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField()
    count = serializers.IntegerField()
    groups = GroupSerializer(many=True, help_text="Every kind, always in the same order.")


class SearchView(APIView):
    """Measures, countries, initiatives, sources and evidence matching every
    word of ``q`` (accents ignored), grouped by kind; within a kind by
    relevance to the row alone, then name."""

    schema = AutoSchema()  # the uniform errors, and 304 for conditional_get
    conditional_get = True  # an ETag, and 304 (the schema says so)

    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter(
                "q",
                # At least one letter or digit (ASCII in the pattern, which
                # JSON Schema reads the ECMAScript way; the server also takes
                # accented letters), at most MAX_QUERY_LENGTH characters.
                {"type": "string", "maxLength": searching.MAX_QUERY_LENGTH, "pattern": r"\w"},
                required=True,
                allow_blank=False,
                description=(
                    f"1 to {searching.MAX_QUERY_LENGTH} characters, "
                    "with at least one letter or digit."
                ),
            )
        ],
        responses={200: SearchSerializer, **ERRORS},
    )
    def get(self, request):
        q = request.query_params.get("q", "")
        try:
            groups = searching.search(request.user, q)
        except searching.BadQuery as exc:
            raise ValidationError({"q": [str(exc)]}) from None

        def build():
            data = {"q": q.strip(), "count": sum(g.count for g in groups), "groups": groups}
            return Response(SearchSerializer(data, context={"request": request}).data)

        return conditional_response(request, revision_etag(request), build)
