"""One JSON error body for every 4xx, whatever raised it.

    {"status": 400, "code": "invalid", "detail": "Invalid input.",
     "fields": {"level": ["\"finished\" is not a valid choice."]}}

Service exceptions map to HTTP here, so views stay thin: a Django
``ValidationError`` is 400 with field messages, ``PermissionDenied`` 403, an
object the caller may not see 404 (never 403: hidden rows do not exist for
them), a stale version 412.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from measures.audit.revisions import StaleVersion


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("This write needs an If-Match header with the ETag you read.")
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The resource changed since you read it: GET it again and retry.")
    default_code = "precondition_failed"


def _translate(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, StaleVersion):
        return PreconditionFailed()
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
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
        detail = exc.detail
        body["fields"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        body["code"] = codes if isinstance(codes, str) else body["code"]
        body["detail"] = response.data.get("detail", str(exc))
    return Response(body, status=response.status_code, headers=dict(response.headers.items()))


def bad_request(fields):
    """A 400 in the uniform shape for failures outside DRF (middleware)."""
    return {"status": 400, "code": "invalid", "detail": str(_("Invalid input.")), "fields": fields}


# --- Django's own error views, for URLs under /api/ -------------------------------
# A path no route matches (``/api/v1/statuses/0.5/``), a request Django refuses
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
