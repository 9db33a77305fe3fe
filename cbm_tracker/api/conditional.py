"""ETags and preconditions, evaluated after DRF has authenticated the caller.

An ETag names one representation for one *audience*: it mixes in the
viewer's visibility key, so two viewers who see different data never share
one (and a cache keyed on it cannot leak). Scorecards and read-only
resources derive it from the latest revision (any write may change them);
writable resources (cells, evidence) from their own version, so that an
If-Match on them is not defeated by unrelated writes.
"""

import datetime
import hashlib

from measures.revisions import latest_revision
from measures.visibility import viewer_for

from .errors import PreconditionFailed, PreconditionRequired

VARY = "Authorization, Cookie"


def make_etag(request, *parts):
    raw = "|".join([*map(str, parts), viewer_for(request.user).key])
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f'"{digest}"'


def revision_etag(request):
    """For representations any write may change: the latest revision, the exact
    query, and today's date (memberships "at today" move without a write)."""
    query = sorted(request.query_params.lists())
    return make_etag(
        request, latest_revision(), request.path, query, datetime.date.today().isoformat()
    )


def version_etag(request, obj):
    return make_etag(request, obj._meta.label, obj.pk, obj.version)


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
