"""What the OpenAPI schema says about errors and preconditions."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer(
    name="Error",
    fields={
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def _error(text):
    return OpenApiResponse(ErrorBody, description=text)


ERRORS = {
    400: _error("Bad input: the field messages say what."),
    401: _error("Not authenticated (anonymous reading is off)."),
    404: _error("No such object, or one the caller may not see."),
    429: _error("Too many requests."),
}
WRITE_ERRORS = {
    **ERRORS,
    403: _error("Outside the caller's country scope or clearance."),
    412: _error("Stale: the resource changed since the caller read it."),
    428: _error("If-Match (or expected_version) is required."),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the resource as you read it.",
)
