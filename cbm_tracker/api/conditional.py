"""ETags and preconditions, evaluated after DRF has authenticated the caller.

An ETag names one representation for one *audience*: it mixes in the
viewer's visibility key, so two viewers who see different data never share
one (and a cache keyed on it cannot leak). Scorecards and read-only
resources derive it from the latest revision (any write may change them);
writable resources (cells, evidence) from their own version, so that an
If-Match on them is not defeated by unrelated writes.
"""

import datetime

from django.utils.crypto import salted_hmac

from measures.access import viewer_for
from measures.audit.revisions import latest_revision_for

from .errors import PreconditionFailed, PreconditionRequired

# Accept-Encoding too: GZipMiddleware names it on the responses it compresses,
# but a 304 (or a body too short to compress) passes it by, and a 304 must
# carry the Vary of the 200 it stands for (RFC 9110, 15.4.5).
VARY = "Authorization, Cookie, Accept-Encoding"


def make_etag(request, *parts):
    """Keyed with the site's secret: every part but the revision is known to
    the caller, so a plain hash would give the revision number back to anyone
    trying small integers — and revision numbers count writes the caller may
    not see."""
    raw = "|".join([*map(str, parts), viewer_for(request.user).key])
    digest = salted_hmac("cbm-etag", raw, algorithm="sha256").hexdigest()[:32]
    return f'"{digest}"'


def _representation(request):
    """The exact query and the negotiated format: ``?as_of=`` or ``Accept: text/csv``
    name another representation, which must not share an ETag."""
    renderer = getattr(request, "accepted_renderer", None)
    return sorted(request.query_params.lists()), getattr(renderer, "format", "")


def revision_etag(request, *parts):
    """For representations any write may change: the latest revision, the exact
    query, and today's date (memberships "at today" move without a write);
    ``parts`` add what moves without a revision the caller may see."""
    return make_etag(
        request,
        latest_revision_for(request.user),
        request.path,
        *_representation(request),
        datetime.date.today().isoformat(),
        *parts,
    )


def version_etag(request, obj):
    """For writable rows: their own version. The query is part of it too, so that
    ``GET /cells/1/?as_of=...`` is not answered 304 with today's ETag; a
    write (PATCH, POST) sends no query, so its If-Match is the plain GET's ETag."""
    query = sorted(request.query_params.lists()) if request.method in ("GET", "HEAD") else []
    return make_etag(request, obj._meta.label, obj.pk, obj.version, query)


def _listed(header):
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def not_modified(request, etag):
    header = request.headers.get("If-None-Match")
    return bool(header) and (header.strip() == "*" or etag in _listed(header))


def require_if_match(request, etag):
    """428 without If-Match, 412 unless it names the current representation."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if header.strip() != "*" and etag not in _listed(header):
        raise PreconditionFailed()
