"""The change feed over HTTP: cursors and limits read and checked here, the
records computed by measures/reads/changes.py for the caller."""

import datetime
import re

from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import VARY
from cbm_tracker.api.errors_schema import ERRORS
from measures.models import ChangeRecord
from measures.reads import changes

from . import schemas

SINCE_HELP = "The previous page's `next`, an ISO timestamp for a first call, or 0 (the start)."


@extend_schema(
    parameters=[
        OpenApiParameter("since", OpenApiTypes.STR, description=SINCE_HELP),
        OpenApiParameter(
            "limit",
            # At most 19 digits are read (more is a 400); above 1000 means 1000.
            {"type": "integer", "maximum": 10**19 - 1},
            description="Records per page (≤ 1000: more is read as 1000).",
        ),
    ],
    responses={
        200: OpenApiResponse(
            schemas.ChangeFeedPageSerializer, examples=schemas.EXAMPLES["changes"]
        ),
        **ERRORS,
    },
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
        page = changes.feed_records_after(request.user, since, limit)
        cursor = str(since.public_id) if isinstance(since, ChangeRecord) else None
        response = Response(
            {
                "since": request.query_params.get("since", "0").strip() or "0",
                "next": str(page[-1].public_id) if page else cursor,
                "results": changes.feed_records(page, request.user),
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
        return since, min(int(raw_limit), changes.MAX_LIMIT)

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


SINCE_INVALID = gettext_lazy("The previous page's next, an ISO timestamp, or 0.")
CURSOR_UNKNOWN = gettext_lazy("No such cursor: start again from a timestamp.")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
OFFSET_AS_SPACE = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _whole(raw):
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 19
