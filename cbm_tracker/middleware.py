import re
import uuid
from urllib.parse import unquote

from axes.backends import AxesStandaloneBackend
from csp.constants import NONCE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse, QueryDict

from cbm_tracker.api.errors import API_PREFIX, bad_request, json_error_for
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


class ApiJsonErrorsMiddleware:
    """Under /api/, every error answers in the API's JSON body, whatever made
    it: with DEBUG on, Django's technical 404 (which lists every URL pattern)
    and 500 (a traceback) pages bypass handler404/handler500; a refusal in
    another middleware may be HTML too. The status and the other headers stay.
    Placed outermost (after the request id) so that it sees them all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and "json" not in response.get("Content-Type", "")
        ):
            replacement = json_error_for(response.status_code)
            for header, value in response.items():
                if header.lower() not in ("content-type", "content-length", "content-disposition"):
                    replacement[header] = value
            replacement.cookies = response.cookies
            response.close()
            return replacement
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


# The one <style> Redoc's bundle adds as it loads, before Redoc.init can hand
# it the nonce: perfect-scrollbar's CSS (drf-spectacular-sidecar's Redoc
# 2.5.4), inserted empty and then filled, so the browser checks both texts.
# An upgrade that changes it shows as a refused style in
# tests/browser/test_csp.py (Chromium's console message names the new hash).
REDOC_BUNDLE_STYLES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (nothing to apply)
]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the strict policy of CONTENT_SECURITY_POLICY
    everywhere — no ``'unsafe-inline'`` anywhere, scripts strict everywhere —
    and one narrow exception (docs/security.md, "Security headers"):

    - the API documentation pages (cbm_tracker/api/docs.py): Swagger UI's page
      and Redoc's styled-components need ``<style>`` elements, so these pages
      get ``style-src 'self' 'nonce-…'`` (and, for Redoc, the hashes of the one
      style its bundle adds before it has the nonce): only those ``<style>``
      elements apply, and ``style=`` attributes are still refused. Their
      scripts are same-origin files ('self'), none inline.

    The admin needs no exception: the tracker's admin styles are a stylesheet
    (measures/static/admin/cbm/cbm.css), Django's admin templates use no
    ``style=`` attribute, and its scripts set styles through the CSSOM, which
    CSP does not restrict. tests/browser/test_csp.py loads these pages in
    Chromium and finds nothing refused.
    """

    # Path prefix: sources added to style-src. The nonce appears in the
    # header only if the page used it (django-csp).
    STYLE_EXCEPTIONS = {
        "/api/v1/docs/": [NONCE],
        "/api/v1/redoc/": [NONCE, *REDOC_BUNDLE_STYLES],
    }

    def process_response(self, request, response):
        for prefix, sources in self.STYLE_EXCEPTIONS.items():
            if request.path.startswith(prefix):
                update = dict(getattr(response, "_csp_update", None) or {})
                update["style-src"] = [*update.get("style-src", []), *sources]
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
