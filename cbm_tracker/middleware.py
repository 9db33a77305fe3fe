import re
import uuid
from urllib.parse import unquote

from django.http import JsonResponse

from cbm_tracker.api.errors import bad_request
from cbm_tracker.request_id import request_id_var

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives each request an id (or keeps a sane one from the proxy), for the
    audit trail and the logs, and echoes it in ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RejectNulMiddleware:
    """A NUL byte in the path or query string is a 400 here: PostgreSQL
    refuses NUL in text, and the error would otherwise surface as a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path or "\x00" in query:
            where = "path" if "\x00" in request.path else "query"
            return JsonResponse(bad_request({where: ["NUL bytes are not allowed."]}), status=400)
        return self.get_response(request)
