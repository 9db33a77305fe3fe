"""Scorecards and the change feed: read-only, computed for the caller.

The conditional-GET check comes first, after DRF has authenticated the
caller: an unchanged scorecard costs the authentication plus one revision
lookup, and answers 304. A full response is rendered once per ETag and then
served from the cache (cbm_tracker/api/rendered.py).
"""

import datetime
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import VARY, revision_etag
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.rendered import rendered
from cbm_tracker.api.renderers import CSVRenderer, ORJSONRenderer
from cbm_tracker.api.viewsets import conditional_response
from countries.models import Country, Initiative, Region
from measures.audit import handles
from measures.choices import Domain, Scope
from measures.models import ChangeRecord, Measure
from measures.reads import exports, scorecards

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


def card_schema(operation_id):
    return extend_schema(
        operation_id=operation_id,
        parameters=FILTER_PARAMS,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
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
                name = request.path.strip("/").replace("/", "-")
                return Response(
                    type(self).table(data),
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
                )
            return Response(data)

        etag = revision_etag(request)
        return conditional_response(request, etag, lambda: rendered(request, etag, build))


@extend_schema_view(get=card_schema("scorecards_countries_list"))
class CountriesScorecardView(ScorecardView):
    """One row per country: score, counts per level, rated/unrated, trend."""

    table = staticmethod(exports.countries_table)

    def card(self, request, filters, as_of, compare_to):
        return scorecards.countries_scorecard(request.user, as_of, filters, compare_to)


@extend_schema_view(get=card_schema("scorecards_country"))
class CountryScorecardView(ScorecardView):
    """One country's measures, with partner cells for bilateral measures."""

    table = staticmethod(exports.country_table)

    def card(self, request, filters, as_of, compare_to, iso2):
        return scorecards.country_scorecard(request.user, iso2.upper(), as_of, filters, compare_to)


@extend_schema_view(get=card_schema("scorecards_measure"))
class MeasureScorecardView(ScorecardView):
    """Every country (and pair) on one measure."""

    table = staticmethod(exports.measure_table)

    def card(self, request, filters, as_of, compare_to, number):
        if number > 32767:  # no such measure; SQLite could not even bind it
            return None
        return scorecards.measure_scorecard(request.user, number, as_of, filters, compare_to)


@extend_schema_view(get=card_schema("scorecards_initiative"))
class InitiativeScorecardView(ScorecardView):
    """The initiative's members at the date, on the measures it carries."""

    table = staticmethod(exports.countries_table)

    def card(self, request, filters, as_of, compare_to, slug):
        # None (404) for an initiative the caller may not see, as for a typo.
        return scorecards.initiative_scorecard(request.user, slug, as_of, filters, compare_to)


@extend_schema_view(get=card_schema("scorecards_matrix"))
class MatrixView(ScorecardView):
    """The whole countries × measures matrix in one response."""

    table = staticmethod(exports.matrix_table)

    def card(self, request, filters, as_of, compare_to):
        return scorecards.matrix(request.user, as_of, filters, compare_to)


# Changes to user accounts (clearances, roles) are not news for readers.
# Proposals are not published: they have their own resource (/api/v1/proposals/).
FEED_EXCLUDED_MODELS = ("userprofile", "authtoken", "proposal")
SINCE_HELP = "The previous page's `next`, an ISO timestamp for a first call, or 0 (the start)."


@extend_schema(
    parameters=[
        OpenApiParameter("since", OpenApiTypes.STR, description=SINCE_HELP),
        OpenApiParameter("limit", OpenApiTypes.INT, description="Records per page (≤ 1000)."),
    ],
    responses={200: OpenApiTypes.OBJECT, **ERRORS},
)
class ChangeFeedView(APIView):
    """What was recorded after a cursor, in commit order.

    ``next`` is an opaque cursor: the id of the last record returned (or the
    one given, when nothing is new), so it counts nothing the caller may not
    see. A page never holds more than ``limit`` records; the order within a
    revision is stable, so a page may end inside one. No COUNT(*).
    """

    def get(self, request):
        since, limit = self._params(request)
        records = (
            ChangeRecord.objects.visible_to(request.user)
            .exclude(content_type__model__in=FEED_EXCLUDED_MODELS)
            .select_related("content_type")
            .order_by("revision", "id")
        )
        if isinstance(since, ChangeRecord):
            records = records.filter(
                Q(revision__gt=since.revision) | Q(revision=since.revision, id__gt=since.id)
            )
        elif since is not None:
            records = records.filter(time__gte=since)
        page = list(records[:limit])
        cursor = str(since.public_id) if isinstance(since, ChangeRecord) else None
        response = Response(
            {
                "since": request.query_params.get("since", "0").strip() or "0",
                "next": str(page[-1].public_id) if page else cursor,
                "results": feed_records(page, request.user),
            }
        )
        patch_vary_headers(response, VARY.split(", "))  # what it lists depends on the caller
        return response

    def _params(self, request):
        raw = request.query_params.get("since", "0").strip()
        if raw in ("", "0"):
            since = None
        elif UUID.match(raw):
            # Any record's id positions the cursor, even one the caller can no
            # longer see (they were given it): ids are random, so this tells
            # nothing, and a re-marking never strands a poller.
            since = ChangeRecord.objects.filter(public_id=raw.lower()).first()
            if since is None:
                raise ValidationError({"since": [CURSOR_UNKNOWN]})
        else:
            since = self._timestamp(raw)
        raw_limit = request.query_params.get("limit", "100").strip()
        if not _whole(raw_limit) or int(raw_limit) < 1:
            raise ValidationError({"limit": [gettext_lazy("A whole number from 1 to 1000.")]})
        return since, min(int(raw_limit), 1000)

    def _timestamp(self, raw):
        # An unencoded "+01:00" arrives as " 01:00" (a "+" in a query is a space).
        raw = OFFSET_AS_SPACE.sub(r"\1+\2", raw)
        try:
            since = parse_datetime(raw) if "T" in raw or " " in raw else None
        except ValueError:  # well-formed but impossible, such as month 13
            since = None
        if since is None:
            raise ValidationError({"since": [SINCE_INVALID]})
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        try:
            # In UTC before it reaches the database: PostgreSQL refuses offsets
            # beyond ±15:59 that Python parses (a 500 otherwise).
            return since.astimezone(datetime.UTC)
        except (OverflowError, ValueError):  # year 9999 pushed past the end
            raise ValidationError({"since": [SINCE_INVALID]}) from None


def feed_records(page, user):
    """Records as clients see them: handles instead of internal ids."""
    models = {r.pk: handles.model_for(r.content_type) for r in page}
    wanted = set()
    for r in page:
        wanted.add((models[r.pk], r.object_id))
        for data in (r.before, r.after):
            wanted.update(handles.snapshot_refs(models[r.pk], data))
    names = handles.resolve(wanted, user)
    return [
        {
            "id": str(r.public_id),
            "time": r.time,
            "type": r.content_type.model,
            "action": r.action,
            "object_id": names[(models[r.pk], r.object_id)],
            "object": r.object_repr,
            "actor": r.actor_username,
            "message": r.message,
            "before": handles.public_snapshot(models[r.pk], r.before, names),
            "after": handles.public_snapshot(models[r.pk], r.after, names),
        }
        for r in page
    ]


SINCE_INVALID = gettext_lazy("The previous page's next, an ISO timestamp, or 0.")
CURSOR_UNKNOWN = gettext_lazy("No such cursor: start again from a timestamp.")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
OFFSET_AS_SPACE = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _whole(raw):
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 19
