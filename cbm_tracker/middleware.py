import re
import uuid
from urllib.parse import unquote

from axes.backends import AxesStandaloneBackend
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse, QueryDict

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


class RejectOversizedBodyMiddleware:
    """A request body above DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 before anything
    reads it. Django enforces that limit only on ``request.body`` and form
    parsing; DRF's parsers read the stream directly and would take any size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(bad_request({"body": ["A malformed Content-Length."]}), status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {
                    "status": 413,
                    "code": "request_too_large",
                    "detail": f"The request body is larger than {limit} bytes.",
                },
                status=413,
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the strict policy of CONTENT_SECURITY_POLICY
    everywhere, and two narrow exceptions for pages we do not write:

    - the admin: Django's change list and our admin/cbm/styles.html use inline
      ``<style>``: ``style-src 'unsafe-inline'`` there (scripts stay strict);
    - the API documentation pages: Swagger UI and Redoc inject styles at run
      time, and drf-spectacular's Swagger page initialises with an inline
      script: ``'unsafe-inline'`` for styles and (Swagger only) scripts.
    """

    INLINE_STYLES = ("/admin/", "/api/v1/docs/", "/api/v1/redoc/")
    INLINE_SCRIPTS = ("/api/v1/docs/",)

    def process_response(self, request, response):
        update = dict(getattr(response, "_csp_update", None) or {})
        if request.path.startswith(self.INLINE_STYLES):
            update["style-src"] = ["'unsafe-inline'"]
        if request.path.startswith(self.INLINE_SCRIPTS):
            update["script-src"] = ["'unsafe-inline'"]
        if update:
            response._csp_update = update
        return super().process_response(request, response)


def client_address(request):
    """The client's address as the API throttles see it (DRF's ``get_ident``):
    with NUM_PROXIES proxies appending to X-Forwarded-For, the address the
    outermost trusted proxy saw; with none, REMOTE_ADDR. A client cannot
    choose its address by sending X-Forwarded-For itself."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if settings.NUM_PROXIES and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(settings.NUM_PROXIES, len(hops))]
    return request.META.get("REMOTE_ADDR")


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes for logins over HTTP (pages, admin). ``authenticate()``
    called without a request (the test client's ``login()``, a shell) is no
    HTTP login: there is no address to count, so it is not throttled here."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class BlankQueryParametersMiddleware:
    """Under /api/, a query parameter sent empty (``?as_of=&country=``) is one
    not sent at all, for every parameter alike: HTML forms and generated
    clients send empty fields, and "no filter" is what they mean. The schema
    says so (``allowEmptyValue``, cbm_tracker/api/openapi.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and request.META.get("QUERY_STRING"):
            pairs = [(key, value) for key, values in request.GET.lists() for value in values]
            if any(value == "" for _key, value in pairs):
                query = QueryDict(mutable=True)
                for key, value in pairs:
                    if value != "":
                        query.appendlist(key, value)
                query._mutable = False
                request.GET = query
        return self.get_response(request)
