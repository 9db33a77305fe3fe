"""The schema generator for every API view: each operation documents its 4xx
in the uniform error body (cbm_tracker/api/errors.py), even when the view
says nothing about errors. Reads: 400, 401, 404, 429 (never 403: hidden rows
are 404); writes add 403, 412 and 428."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from measures.reads.list_tables import TABLES

from .errors_schema import ERRORS, WRITE_ERRORS
from .renderers import CSVRenderer

SAFE = ("GET", "HEAD", "OPTIONS")

LIST_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="csv: the same page as CSV (or send Accept: text/csv).",
)


def csv_media(table):
    """A list's ``text/csv`` answer: its columns, described in the data dictionary."""
    header = ",".join(table.columns)
    return {
        "schema": {
            "type": "string",
            "description": (
                "The same page of the same rows as the JSON, one line per row (indicators: "
                "per observation), after a header line naming the columns: "
                f"{', '.join(table.columns)}. Codes and names side by side, names in the "
                "request's language; /data-dictionary/ says what each column holds. The "
                "file is named cbm-<list>-<date>.csv; a Link header names the next and "
                "previous pages."
            ),
        },
        "example": f"{header}\r\n",
    }


# No body: the copy the client holds (its If-None-Match) is still current.
NOT_MODIFIED = {
    "description": (
        "Not Modified: the If-None-Match ETag is still this viewer's current one; "
        "no body. The ETag header is sent again."
    ),
    "headers": {"ETag": {"schema": {"type": "string"}}},
}


class AutoSchema(openapi.AutoSchema):
    def csv_table(self):
        """The CSV table of a list operation whose view has one, else None."""
        name = getattr(self.view, "csv_table", None)
        if name is None or getattr(self.view, "action", None) != "list":
            return None
        return TABLES[name]

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.csv_table() is not None:
            parameters = [*parameters, LIST_FORMAT]
        return parameters

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        """A list's 200 in CSV is text with the list's columns; its errors stay JSON."""
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content, table = response.get("content", {}), self.csv_table()
        if table is not None and CSVRenderer.media_type in content:
            if status_code == "200":
                content[CSVRenderer.media_type] = csv_media(table)
            else:
                del content[CSVRenderer.media_type]
        return response

    def answers_not_modified(self):
        """A read that sends an ETag and answers 304 to If-None-Match: views
        that say ``conditional_get`` (their list and detail, for viewsets)."""
        if self.method != "GET" or not getattr(self.view, "conditional_get", False):
            return False
        return getattr(self.view, "action", "list") in ("list", "retrieve")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.answers_not_modified():
            responses["304"] = NOT_MODIFIED
        for code, response in (ERRORS if self.method in SAFE else WRITE_ERRORS).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A text a write may not leave blank says so: DRF trims it first, so a
        value of only whitespace is blank (400), which ``minLength`` alone
        would call valid. ``pattern: \\S``: one character that is not a space."""
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and type(field) is serializers.CharField
            and field.trim_whitespace
            and not field.allow_blank
            and result.get("type") == "string"
            and "pattern" not in result
        ):
            result["pattern"] = r"\S"
        return result

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A PATCH whose serializer says ``full_on_patch`` documents its body as
        sent (required fields required), not DRF's partial update: PATCH
        /cells/{id}/ records a whole new assessment."""
        if self.method == "PATCH" and getattr(serializer, "full_on_patch", False):
            self.method = "POST"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)


# --- postprocessing (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) -----------------

ETAG = "$response.header.ETag"


def _link(operation_id, description, **parameters):
    return {"operationId": operation_id, "description": description, "parameters": parameters}


# Where resources chain, the schema says how (OpenAPI links): a client (or a
# stateful fuzzer) goes from a created assessment to its cell, from a read to
# the write that needs its ETag in If-Match.
LINKS = {
    ("/api/v1/assessments/", "post", "201"): {
        "GetAssessment": _link(
            "assessments_retrieve", "The recorded assessment.", id="$response.body#/id"
        ),
        "GetCell": _link(
            "cells_retrieve", "Its cell, now at the next version.", id="$response.body#/cell"
        ),
        "RetractAssessment": _link(
            "assessments_retract_create", "Retract it.", id="$response.body#/id"
        ),
    },
    ("/api/v1/cells/", "get", "200"): {
        "GetCell": _link(
            "cells_retrieve", "The first cell listed.", id="$response.body#/results/0/id"
        ),
    },
    ("/api/v1/cells/{id}/", "get", "200"): {
        "PatchCell": _link(
            "cells_partial_update",
            "Record an assessment for the cell as read.",
            **{"id": "$request.path.id", "header.If-Match": ETAG},
        ),
    },
    ("/api/v1/cells/{id}/", "patch", "200"): {
        "GetCell": _link("cells_retrieve", "The cell as recorded.", id="$response.body#/id"),
        "PatchCellAgain": _link(
            "cells_partial_update",
            "Record another one with the new ETag.",
            **{"id": "$response.body#/id", "header.If-Match": ETAG},
        ),
    },
    ("/api/v1/assessments/", "get", "200"): {
        "GetAssessment": _link(
            "assessments_retrieve",
            "The first assessment listed.",
            id="$response.body#/results/0/id",
        ),
    },
    ("/api/v1/evidence/", "post", "201"): {
        "GetEvidence": _link("evidence_retrieve", "The evidence filed.", id="$response.body#/id"),
        "PatchEvidence": _link(
            "evidence_partial_update",
            "Re-mark or link it.",
            **{"id": "$response.body#/id", "header.If-Match": ETAG},
        ),
        "RetractEvidence": _link(
            "evidence_retract_create",
            "Retract it.",
            **{"id": "$response.body#/id", "header.If-Match": ETAG},
        ),
    },
    ("/api/v1/evidence/", "get", "200"): {
        "GetEvidence": _link(
            "evidence_retrieve", "The first item listed.", id="$response.body#/results/0/id"
        ),
    },
    ("/api/v1/evidence/{id}/", "get", "200"): {
        "PatchEvidence": _link(
            "evidence_partial_update",
            "Re-mark or link it as read.",
            **{"id": "$request.path.id", "header.If-Match": ETAG},
        ),
        "RetractEvidence": _link(
            "evidence_retract_create",
            "Retract it as read.",
            **{"id": "$request.path.id", "header.If-Match": ETAG},
        ),
    },
    ("/api/v1/subscriptions/", "post", "201"): {
        "GetSubscription": _link(
            "subscriptions_retrieve", "The subscription.", id="$response.body#/id"
        ),
    },
    ("/api/v1/tokens/", "post", "201"): {
        "GetToken": _link("tokens_retrieve", "The token made.", id="$response.body#/id"),
        "RevokeToken": _link("tokens_destroy", "Revoke it.", id="$response.body#/id"),
    },
    ("/api/v1/subscriptions/{id}/", "get", "200"): {
        "PatchSubscription": _link(
            "subscriptions_partial_update",
            "Change it as read.",
            **{"id": "$request.path.id", "header.If-Match": ETAG},
        ),
        "DeleteSubscription": _link(
            "subscriptions_destroy",
            "Unsubscribe.",
            **{"id": "$request.path.id", "header.If-Match": ETAG},
        ),
    },
}


def postprocess_schema(result, generator, request, public):
    """What drf-spectacular cannot say from the views:

    - an empty query parameter is one not sent (``allowEmptyValue``; see
      cbm_tracker/middleware.py ``BlankQueryParametersMiddleware``), so a
      required one (``search?q=``) may not be empty;
    - pages and page sizes start at 1; If-Match is never empty;
    - write bodies take no other field than those listed (StrictSerializer
      refuses the rest with a 400: ``additionalProperties: false``);
    - the links between operations (``LINKS``);
    - query parameters kept under an old name are ``deprecated``;
    - a blank URL or e-mail is "a URI, or empty": ``anyOf``, not drf-spectacular's
      ``oneOf`` (an empty string matches both alternatives when the validator
      does not check formats, which ``oneOf`` then refuses).
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
        for field in component.get("properties", {}).values():
            if {"type": "string", "maxLength": 0} in field.get("oneOf", []):
                field["anyOf"] = field.pop("oneOf")
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.setdefault("schema", {})
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = not parameter.get("required", False)
                    if parameter.get("description", "").startswith("deprecated"):
                        parameter["deprecated"] = True
                    if parameter["name"] in ("page", "page_size", "limit"):
                        schema["minimum"] = 1
                if parameter.get("in") == "header" and parameter["name"] == "If-Match":
                    schema["minLength"] = 1
            for code, response in operation.get("responses", {}).items():
                links = LINKS.get((path, method, code))
                if links:
                    response["links"] = links
    return result
