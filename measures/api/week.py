"""The caller's week (GET /week/) and "still true today" for many cells
(POST /week/reconfirm/): the same rows and the same service as the page.

The list is read-only: it does not move the caller's last visit (the page
does, ``services.note_week_visit``), so "changed" means since the last time
they opened their week on the site. No ETag: the rows depend on today and on
that visit as well as on the data.
"""

from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import VARY
from cbm_tracker.api.errors_schema import ERRORS, WRITE_ERRORS
from cbm_tracker.api.openapi import AutoSchema
from cbm_tracker.api.serializers import StrictSerializer
from countries.models import Country
from measures import services
from measures.choices import Domain
from measures.models import Cell, Proposal
from measures.reads import worklist

from .schemas import CELL_LEVELS

# The most cells one request may reconfirm (one transaction).
MAX_CELLS = 1000


class WeekRowSerializer(serializers.Serializer):
    cell = serializers.IntegerField(source="cell.pk")
    measure = serializers.IntegerField(source="cell.measure.number")
    country = serializers.CharField(source="cell.country_id")
    partner = serializers.CharField(source="cell.partner_id", allow_null=True)
    level = serializers.ChoiceField(
        source="cell.level", choices=CELL_LEVELS, help_text="For the caller."
    )
    level_effective_on = serializers.DateField(source="cell.level_effective_on", allow_null=True)
    version = serializers.IntegerField(
        source="cell.version", help_text="The caller's version: send it back to reconfirm."
    )
    due_on = serializers.DateField(source="cell.due_on", allow_null=True)
    due_state = serializers.CharField(source="cell.due_state", allow_null=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=list(worklist.REASONS)),
        help_text="Why the cell is listed.",
    )
    changes = serializers.IntegerField(help_text="Changes by others since the last visit.")
    proposals = serializers.IntegerField(help_text="Proposals awaiting the caller's review.")
    replies = serializers.IntegerField(help_text="New replies since the last visit.")


class WeekQuerySerializer(serializers.Serializer):
    country = serializers.ListField(child=serializers.CharField(max_length=2), required=False)
    measure = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    domain = serializers.ListField(
        child=serializers.ChoiceField(choices=Domain.values), required=False
    )
    state = serializers.ListField(
        child=serializers.ChoiceField(choices=list(worklist.REASONS)), required=False
    )

    def validate_country(self, codes):
        codes = {c.upper() for c in codes}
        unknown = codes - set(Country.objects.filter(pk__in=codes).values_list("pk", flat=True))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            )
        return codes


class ReconfirmedCellSerializer(StrictSerializer):
    cell = serializers.IntegerField(min_value=1)
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The cell's version as you read it (the week's `version`)."
    )


class WeekReconfirmSerializer(StrictSerializer):
    cells = ReconfirmedCellSerializer(many=True, allow_empty=False, max_length=MAX_CELLS)
    reason = serializers.CharField(
        max_length=2000, help_text="The rationale of every reconfirmation (request's language)."
    )

    def validate_cells(self, items):
        ids = [item["cell"] for item in items]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("Each cell once."))
        cells = Cell.objects.select_related("measure").in_bulk(ids)
        unknown = sorted(set(ids) - set(cells))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown cell(s): %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
            )
        return {cells[item["cell"]]: item["expected_version"] for item in items}


class ReconfirmResultSerializer(serializers.Serializer):
    cell = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["reconfirmed", "proposed"])
    id = serializers.UUIDField(help_text="The assessment (or the proposal, under review).")


WEEK_PARAMETERS = [
    OpenApiParameter("country", OpenApiTypes.STR, many=True, description="ISO alpha-2, repeat."),
    OpenApiParameter("measure", OpenApiTypes.INT, many=True, description="Measure number."),
    OpenApiParameter("domain", OpenApiTypes.STR, many=True, enum=Domain.values),
    OpenApiParameter("state", OpenApiTypes.STR, many=True, enum=list(worklist.REASONS)),
]


@extend_schema(parameters=WEEK_PARAMETERS, responses={200: WeekRowSerializer(many=True), **ERRORS})
class WeekView(generics.ListAPIView):
    """The cells in the caller's scope that are due or overdue, changed by
    others since their last visit, awaiting their review or carrying new
    replies, earliest due first (empty for callers with no scope)."""

    schema = AutoSchema()  # documents every 4xx in the uniform error body
    serializer_class = WeekRowSerializer
    filter_backends = []  # the query is validated by WeekQuerySerializer

    def get_queryset(self):
        query = WeekQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = self.request.user
        return worklist.week(
            user,
            since=worklist.last_visit_since(user) if user.is_authenticated else None,
            countries=data.get("country", ()),
            measures=set(data.get("measure", ())),
            domains=set(data.get("domain", ())),
            states=set(data.get("state", ())),
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        patch_vary_headers(response, VARY.split(", "))
        return response


class WeekReconfirmView(APIView):
    """ "Still true today" for many cells in one transaction: each cell's
    level, evidence and marking again, effective today, with ``reason`` as
    rationale. One stale cell (412) or refused cell refuses them all, named."""

    schema = AutoSchema()

    @extend_schema(
        request=WeekReconfirmSerializer,
        responses={201: ReconfirmResultSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request):
        payload = WeekReconfirmSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        language = "fr" if translation.get_language() == "fr" else "en"
        versions = payload.validated_data["cells"]
        results = services.reconfirm_cells(
            request.user,
            versions,
            **{f"reason_{language}": payload.validated_data["reason"]},
        )
        body = [
            {
                "cell": cell.pk,
                "outcome": "proposed" if isinstance(result, Proposal) else "reconfirmed",
                "id": str(result.public_id),
            }
            for cell, result in zip(versions, results, strict=True)
        ]
        return Response(body, status=status.HTTP_201_CREATED)
