"""One JSON error body for every 4xx, whatever raised it.

    {"status": 400, "code": "invalid", "detail": "Invalid input.",
     "fields": {"level": ["\"finished\" is not a valid choice."]}}

A service's refusal is rendered from ``measures.services.refusals`` (the one
mapping of refusals to fields, messages and statuses), so views stay thin;
a write here is conditional on the version the client read (``If-Match`` or
``expected_version``), so a stale one is 412. Every
404 reads the same, whatever was not found: a row hidden from the caller
does not exist for them.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from measures.services.refusals import REFUSALS, refusal_of


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("This write needs an If-Match header with the ETag you read.")
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The resource changed since you read it: GET it again and retry.")
    default_code = "precondition_failed"


def _translate(exc):
    if isinstance(exc, REFUSALS):
        refusal = refusal_of(exc, precondition=True)
        if refusal.status == 400:
            fields = refusal.by_field()
            if NON_FIELD_ERRORS in fields:
                fields["non_field_errors"] = fields.pop(NON_FIELD_ERRORS)
            return exceptions.ValidationError(fields)
        if refusal.status == 412:
            return PreconditionFailed(refusal.messages[0])
        if refusal.status == 403:
            return exceptions.PermissionDenied(refusal.messages[0])
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return exceptions.NotFound()
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"status": response.status_code, "code": getattr(exc, "default_code", "error")}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["detail"] = str(_("Invalid input."))
        body["fields"] = flat_fields(exc.detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        body["code"] = codes if isinstance(codes, str) else body["code"]
        body["detail"] = response.data.get("detail", str(exc))
    return Response(body, status=response.status_code, headers=dict(response.headers.items()))


def flat_fields(detail, name=""):
    """Every message under one field name, as the error body promises
    (``{field: [message, ...]}``): a nested serializer's or a list field's
    errors come nested, and are named by their path — ``cells.0.expected_version``,
    ``measure.0`` — with a nested object's own errors under its name."""
    if isinstance(detail, dict):
        fields = {}
        for key, value in detail.items():
            inner = (
                name
                if key == "non_field_errors" and name
                else ".".join(filter(None, (name, str(key))))
            )
            for field, messages in flat_fields(value, inner).items():
                fields.setdefault(field, []).extend(messages)
        return fields
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        # A list serializer: one entry per item, empty for the valid ones.
        return flat_fields({str(i): item for i, item in enumerate(detail) if item}, name)
    messages = detail if isinstance(detail, list) else [detail]
    return {name or "non_field_errors": [str(message) for message in messages]}


def bad_request(fields):
    """A 400 in the uniform shape for failures outside DRF (middleware)."""
    return {"status": 400, "code": "invalid", "detail": str(_("Invalid input.")), "fields": fields}


# --- Django's own error views, for URLs under /api/ -------------------------------
# A path no route matches (``/api/v1/cells/0.5/``), a request Django refuses
# before any view (a disallowed host, too many fields) or a crash would answer
# with Django's HTML pages; API clients get the uniform JSON body instead.
# cbm_tracker/urls.py names these as handler400/403/404/500.

API_PREFIX = "/api/"


def _json_error(status, code, detail):
    return JsonResponse({"status": status, "code": code, "detail": str(detail)}, status=status)


# Statuses Django or a server may answer with before (or instead of) DRF.
_ERRORS = {
    400: ("bad_request", _("Bad request.")),
    403: ("permission_denied", _("You do not have permission to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    413: ("too_large", _("The request body is too large.")),
    500: ("server_error", _("Server error.")),
}


def json_error_for(status):
    """The uniform body for a bare status (no detail beyond its meaning)."""
    code, detail = _ERRORS.get(status, ("server_error" if status >= 500 else "error", None))
    if detail is None:
        detail = _("Server error.") if status >= 500 else _("The request failed.")
    return _json_error(status, code, detail)


def bad_request_view(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(400, "bad_request", _("Bad request."))
    return defaults.bad_request(request, exception)


def permission_denied_view(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(403, "permission_denied", _("You do not have permission to do this."))
    return defaults.permission_denied(request, exception)


def not_found_view(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error_view(request):
    if request.path.startswith(API_PREFIX):
        return _json_error(500, "server_error", _("Server error."))
    return defaults.server_error(request)
