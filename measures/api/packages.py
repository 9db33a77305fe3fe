"""The viewer's citable data package as a zip (measures/reads/packages.py).

Conditional like the scorecards: the ETag is checked after DRF has
authenticated the caller, so an unchanged package costs one revision lookup.
Errors keep the uniform JSON body.
"""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cbm_tracker.api.conditional import revision_etag
from cbm_tracker.api.errors_schema import ERRORS
from cbm_tracker.api.openapi import AutoSchema
from cbm_tracker.api.rendered import rendered
from cbm_tracker.api.renderers import ORJSONRenderer
from cbm_tracker.api.viewsets import conditional_response
from measures.reads import packages

AS_OF_MESSAGE = "A date as YYYY-MM-DD."


def as_of_date(raw):
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"as_of": [AS_OF_MESSAGE]}) from None


class ZipRenderer(BaseRenderer):
    """Passes the zip's bytes through."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PackageView(APIView):
    schema = AutoSchema()  # the uniform errors, and 304 for conditional_get
    conditional_get = True  # an ETag, and 304 (the schema says so)
    renderer_classes = [ZipRenderer]

    def handle_exception(self, exc):
        """Errors keep the uniform JSON body, not the zip's media type."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = ORJSONRenderer()
        self.request.accepted_media_type = ORJSONRenderer.media_type
        return response

    @extend_schema(
        operation_id="data_package",
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="The data as of this date (default: today)."
            )
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="A zip: countries.csv, matrix.csv, measures.csv, evidence.csv, "
                "initiatives.csv, memberships.csv, data-dictionary.csv, codes.csv, "
                "datapackage.json (Frictionless Data Package v1) and CITATION.txt.",
            ),
            # In JSON: without the media type the schema would give them the zip's.
            **{(status, "application/json"): body for status, body in ERRORS.items()},
        },
    )
    def get(self, request):
        """The caller's data package: everything they may see, citable."""
        as_of = as_of_date(request.query_params.get("as_of"))

        def build():
            package = packages.build_package(request.user, as_of=as_of)
            return Response(
                package.content,
                headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
            )

        # Rendered once per ETag and shared, like the scorecards: a package is
        # the scorecards' work several times over.
        etag = revision_etag(request)
        return conditional_response(request, etag, lambda: rendered(request, etag, build))
