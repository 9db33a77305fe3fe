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


def error_response(text):
    return OpenApiResponse(ErrorBody, description=text)


ERRORS = {
    400: error_response("Bad input: the field messages say what."),
    401: error_response("Not authenticated (anonymous reading is off)."),
    404: error_response("No such object, or one the caller may not see."),
    429: error_response("Too many requests."),
}
WRITE_ERRORS = {
    **ERRORS,
    403: error_response("Outside the caller's country scope or clearance."),
    412: error_response("Stale: the resource changed since the caller read it."),
    428: error_response("If-Match (or expected_version) is required."),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the resource as you read it.",
)
