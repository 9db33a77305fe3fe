"""Rendered read-only representations, shared in the cache under their ETag.

The ETag (cbm_tracker/api/conditional.py) names the latest committed revision,
the caller's visibility key, the path, the exact query, the format and the
day, so one key is one representation for one audience: an entry is never
served to another audience, and any write moves the revision and with it the
key — old entries are simply never asked for again and expire. This is not
the query caching NetBox and Nautobot dropped: nothing is invalidated by
hand, and an entry cannot be older than its key — the revision is read
before the representation's queries, each of which sees at least that
revision (read committed), so an entry holds that revision's data or newer,
never older. A rolled-back write's revision number was never visible
outside its transaction, so no entry is ever stored under it.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from measures.audit import disclosures

# v2: an entry also keeps the marked rows it carries, for the disclosure
# ledger (a cache hit releases them again); older entries are never read.
PREFIX = "cbm:rendered:v2:"


def rendered(request, etag, build):
    """The response ``build()`` makes, rendered once per ETag and then shared.

    ``build()`` returns a DRF ``Response``; its data is rendered here with the
    negotiated renderer, the way DRF would, so that the bytes can be kept.
    """
    seconds = settings.CBM_RENDERED_CACHE_SECONDS  # 0: no cache, render every time
    key = PREFIX + etag.strip('"')
    hit = cache.get(key) if seconds else None
    collect = disclosures.is_collecting()
    # An entry rendered while nothing collected (the ledger off) lacks its
    # released rows: render again rather than release them unrecorded.
    if hit is None or (collect and hit[3] is None):
        if collect:
            with disclosures.collecting() as rows:
                hit = (*_render(request, build()), disclosures.release(rows))
        else:
            hit = (*_render(request, build()), None)
        if seconds:
            cache.set(key, hit, seconds)
    content_type, headers, body, released = hit
    if released is not None:
        disclosures.note(released)
    response = HttpResponse(body, content_type=content_type)
    for name, value in headers:
        response[name] = value
    return response


def _render(request, response):
    """(content type, headers, bytes) of a DRF ``Response``, as DRF renders it."""
    renderer = request.accepted_renderer
    content_type = request.accepted_media_type
    if renderer.charset:
        content_type = f"{content_type}; charset={renderer.charset}"
    body = renderer.render(response.data, request.accepted_media_type, {"request": request})
    headers = [(n, response[n]) for n in ("Content-Disposition",) if n in response]
    return content_type, headers, body
