"""What the OpenAPI schema says about errors and preconditions."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer(
    name="Error",
    fields={
        "status": serializers.IntegerField(
            min_value=400, max_value=599, help_text="The HTTP status, repeated."
        ),
        "code": serializers.CharField(
            help_text="What kind of error: invalid, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, method_not_allowed, "
            "not_acceptable, precondition_failed, unsupported_media_type, "
            "precondition_required, throttled (docs/api.md, Errors)."
        ),
        "detail": serializers.CharField(help_text="What went wrong, in the caller's language."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Only with code invalid: each offending parameter or body field "
            "(a nested one by its path, cells.0.cell) with its messages.",
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
