"""The disclosure ledger's door for HTTP: API responses and CSV exports.

Every API response (token or session: both hand a machine-readable copy to
whoever holds the credential) and every page's CSV download (and the cells
sheet, XLSX too) is a release;
an HTML page is not (docs/security.md, "Disclosure ledger"). The reads and
serializers ``note`` the marked rows they put in a response; this
middleware collects them around the view and, for a successful response,
records them before the response leaves. A 304 releases nothing.

Fail closed: if the ledger cannot be written, the response is withheld
(503) and the failure logged to ``cbm.security`` — for a need-to-know
system an unrecorded release of confidential rows is worse than a refused
one. Responses with nothing marked write nothing and cannot fail this way.
"""

import functools
import logging

from django.db import DatabaseError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from measures.audit import disclosures
from measures.models import Channel

from .errors import API_PREFIX, json_error_for

security = logging.getLogger("cbm.security")


# The data package's two doors (the API's and the page's download) release
# the same zip: one channel of its own, whichever door it left by.
PACKAGE_URLS = ("api:package", "data-package-download")
# The cells sheet is an export in either of its formats (XLSX by default).
SHEET_URL = "cells-export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@functools.cache
def package_paths():
    return frozenset(reverse(name) for name in PACKAGE_URLS)


@functools.cache
def sheet_path():
    return reverse(SHEET_URL)


def channel_of(request):
    """Where a request's response would go, if it may carry marked rows."""
    if not disclosures.enabled():
        return None
    if request.path in package_paths():
        return Channel.PACKAGE
    if request.path.startswith(API_PREFIX):
        return Channel.API
    if request.GET.get("format") == "csv" or request.path == sheet_path():
        return Channel.EXPORT
    return None


# What each channel releases, by media type: an export's or a package's door
# may also answer a page (an error shown in the browser), which is not one.
RELEASED_TYPES = {Channel.EXPORT: ("text/csv", XLSX), Channel.PACKAGE: "application/zip"}


class DisclosureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = channel_of(request)
        if channel is None:
            return self.get_response(request)
        with disclosures.collecting() as rows:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if not rows or response.status_code >= 300 or not (user and user.is_authenticated):
            return response
        released = RELEASED_TYPES.get(channel)
        if released and not response.get("Content-Type", "").startswith(released):
            return response  # a page shown in the browser, or an error
        try:
            disclosures.record_release(
                user, channel, rows, what=request.get_full_path(), request_id=request.id
            )
        except DatabaseError:
            security.exception(
                "disclosure ledger write failed; response withheld",
                extra={"user": user.get_username(), "path": request.path},
            )
            if request.path.startswith(API_PREFIX):
                return json_error_for(503)
            return HttpResponse(
                _("The export could not be recorded; try again later."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        return response
