"""Scorecards: read-only, computed for the caller.

The conditional-GET check comes first, after DRF has authenticated the
caller: an unchanged scorecard costs the authentication plus one revision
lookup, and answers 304. A full response is rendered once per ETag and then
served from the cache (cbm_tracker/api/rendered.py).
"""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import revision_etag
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.openapi import AutoSchema
from cbm_tracker.api.rendered import rendered
from cbm_tracker.api.renderers import CSVRenderer, ORJSONRenderer
from cbm_tracker.api.viewsets import conditional_response
from countries.models import Country, Initiative, Region
from measures.choices import Domain, Scope
from measures.models import Measure
from measures.reads import exports, scorecards
from measures.reads.csv import dated_filename

from . import schemas

FILTER_PARAMS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="Replay history: levels as of."),
    OpenApiParameter("compare_to", OpenApiTypes.DATE, description="Trend against this date."),
    OpenApiParameter("country", OpenApiTypes.STR, many=True, description="ISO alpha-2, repeat."),
    OpenApiParameter("measure", OpenApiTypes.INT, many=True, description="Measure number."),
    OpenApiParameter("initiative", OpenApiTypes.STR, description="Members at as_of (slug)."),
    OpenApiParameter("region", OpenApiTypes.STR),
    OpenApiParameter("domain", OpenApiTypes.STR, enum=Domain.values),
    OpenApiParameter("scope", OpenApiTypes.STR, enum=Scope.values),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]


# Errors are JSON even when CSV was asked for (ScorecardView.handle_exception).
JSON_ERRORS = {(code, "application/json"): response for code, response in ERRORS.items()}


def card_schema(operation_id, serializer, kind):
    """A scorecard operation: the card described field by field in JSON, its
    table in CSV (columns in the description), errors in JSON."""
    return extend_schema(
        operation_id=operation_id,
        parameters=FILTER_PARAMS,
        responses={
            (200, "application/json"): OpenApiResponse(
                serializer,
                description=schemas.csv_description(kind),
                examples=schemas.EXAMPLES[kind],
            ),
            (200, "text/csv"): schemas.csv_response(kind),
            **JSON_ERRORS,
        },
    )


def _date(params, name):
    raw = params.get(name)
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["A date as YYYY-MM-DD."]}) from None


def read_filters(request):
    """Validate the query: every unknown value is a 400 naming its parameter."""
    params, errors = request.query_params, {}
    countries = tuple(sorted({c.upper() for c in params.getlist("country") if c}))
    if countries:
        known = set(Country.objects.filter(pk__in=countries).values_list("pk", flat=True))
        if unknown := sorted(set(countries) - known):
            errors["country"] = [f"Unknown country code(s): {', '.join(unknown)}."]
    raw = [n.strip() for n in params.getlist("measure") if n.strip()]
    if all(n.isascii() and n.isdigit() and len(n) <= 5 for n in raw):
        measures = tuple(sorted({int(n) for n in raw}))
    else:
        errors["measure"] = ["Measure numbers are whole numbers."]
        measures = ()
    if measures:
        known = set(Measure.objects.filter(number__in=measures).values_list("number", flat=True))
        if unknown := sorted(set(measures) - known):
            errors["measure"] = [f"Unknown measure(s): {', '.join(map(str, unknown))}."]
    initiative = params.get("initiative") or None
    if (
        initiative
        and not Initiative.objects.visible_to(request.user).filter(slug=initiative).exists()
    ):
        errors["initiative"] = [f"Unknown initiative {initiative!r}."]
    region = params.get("region") or None
    if region and not Region.objects.filter(code=region).exists():
        errors["region"] = [f"Unknown region {region!r}."]
    domain, scope = params.get("domain") or None, params.get("scope") or None
    if domain and domain not in Domain.values:
        errors["domain"] = [f"One of {', '.join(Domain.values)}."]
    if scope and scope not in Scope.values:
        errors["scope"] = [f"One of {', '.join(Scope.values)}."]
    try:
        as_of, compare_to = _date(params, "as_of"), _date(params, "compare_to")
    except ValidationError as exc:
        errors.update(exc.detail)
        as_of = compare_to = None
    if errors:
        raise ValidationError(errors)
    filters = scorecards.Filters(
        countries=countries,
        measures=measures,
        initiative=initiative,
        region=region,
        domain=domain,
        scope=scope,
    )
    return filters, as_of, compare_to


class ScorecardView(APIView):
    schema = AutoSchema()  # the uniform errors, and 304 for conditional_get
    conditional_get = True  # an ETag, and 304 (the schema says so)
    renderer_classes = [ORJSONRenderer, CSVRenderer]
    table = None  # the exports function that flattens this card for CSV

    def handle_exception(self, exc):
        """Errors keep the uniform JSON body, even for ``?format=csv``."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = ORJSONRenderer()
        self.request.accepted_media_type = ORJSONRenderer.media_type
        return response

    def card(self, request, filters, as_of, compare_to, **kwargs):
        raise NotImplementedError  # each scorecard view says what it computes

    def get(self, request, **kwargs):
        def build():
            filters, as_of, compare_to = read_filters(request)
            data = self.card(request, filters, as_of, compare_to, **kwargs)
            if data is None:
                raise NotFound()
            if request.accepted_renderer.format == "csv":
                # cbm-scorecards-countries-MA-<date>.csv: dated like every
                # download, by as_of when the card replays history.
                parts = request.path.strip("/").split("/")[2:]  # after api/v1
                name = dated_filename(parts, as_of=request.query_params.get("as_of"))
                return Response(
                    type(self).table(data),
                    headers={"Content-Disposition": f'attachment; filename="{name}"'},
                )
            return Response(data)

        etag = revision_etag(request)
        return conditional_response(request, etag, lambda: rendered(request, etag, build))


@extend_schema_view(
    get=card_schema("scorecards_countries_list", schemas.CountriesScorecardSerializer, "countries")
)
class CountriesScorecardView(ScorecardView):
    """One row per country: score, counts per level, rated/unrated, trend."""

    table = staticmethod(exports.countries_table)

    def card(self, request, filters, as_of, compare_to):
        return scorecards.countries_scorecard(request.user, as_of, filters, compare_to)


@extend_schema_view(
    get=card_schema("scorecards_country", schemas.CountryScorecardSerializer, "country")
)
class CountryScorecardView(ScorecardView):
    """One country's measures, with partner cells for bilateral measures."""

    table = staticmethod(exports.country_table)

    def card(self, request, filters, as_of, compare_to, iso2):
        return scorecards.country_scorecard(request.user, iso2.upper(), as_of, filters, compare_to)


@extend_schema_view(
    get=card_schema("scorecards_measure", schemas.MeasureScorecardSerializer, "measure")
)
class MeasureScorecardView(ScorecardView):
    """Every country (and pair) on one measure."""

    table = staticmethod(exports.measure_table)

    def card(self, request, filters, as_of, compare_to, number):
        if number > 32767:  # no such measure; SQLite could not even bind it
            return None
        return scorecards.measure_scorecard(request.user, number, as_of, filters, compare_to)


@extend_schema_view(
    get=card_schema("scorecards_initiative", schemas.InitiativeScorecardSerializer, "initiative")
)
class InitiativeScorecardView(ScorecardView):
    """The initiative's members at the date, on the measures it carries."""

    table = staticmethod(exports.countries_table)

    def card(self, request, filters, as_of, compare_to, slug):
        # None (404) for an initiative the caller may not see, as for a typo.
        return scorecards.initiative_scorecard(request.user, slug, as_of, filters, compare_to)


@extend_schema_view(
    get=card_schema("scorecards_matrix", schemas.MatrixScorecardSerializer, "matrix")
)
class MatrixView(ScorecardView):
    """The whole countries × measures matrix in one response."""

    table = staticmethod(exports.matrix_table)

    def card(self, request, filters, as_of, compare_to):
        return scorecards.matrix(request.user, as_of, filters, compare_to)
