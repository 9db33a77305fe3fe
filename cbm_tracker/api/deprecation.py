"""Old paths kept for one deprecation period (docs/api.md "Deprecated paths").

An old path is served by the same view as its successor; every response it
gives (errors included) says so: ``Deprecation`` (RFC 9745: the date it was
deprecated, as a structured-field date) and ``Link: <successor>;
rel="successor-version"``, the same path under the new name. The schema
marks its operations ``deprecated``.
"""

import calendar

from django.urls import reverse
from drf_spectacular.utils import extend_schema


def structured_date(day):
    """``@<unix time>`` of midnight UTC on ``day`` (RFC 9651 Date)."""
    return f"@{calendar.timegm(day.timetuple())}"


def deprecated(viewset, *, basename, successor, since):
    """A subclass of ``viewset`` for the old router ``basename``: the same
    view, its responses pointing at the routes of ``successor``."""

    class Deprecated(viewset):
        deprecated_since = since

        def finalize_response(self, request, response, *args, **kwargs):
            response = super().finalize_response(request, response, *args, **kwargs)
            response["Deprecation"] = structured_date(since)
            match = request.resolver_match
            route = match.url_name.removeprefix(basename)
            namespace = f"{match.namespace}:" if match.namespace else ""
            path = reverse(f"{namespace}{successor}{route}", kwargs=match.kwargs)
            # After the successor, any links of the response itself (a CSV page's next).
            links = [f'<{path}>; rel="successor-version"', *filter(None, [response.get("Link")])]
            response["Link"] = ", ".join(links)
            return response

    Deprecated.__name__ = Deprecated.__qualname__ = f"Deprecated{viewset.__name__}"
    Deprecated.__doc__ = f"Deprecated since {since.isoformat()}: {viewset.__doc__}"
    return extend_schema(deprecated=True)(Deprecated)


def is_deprecated(view):
    """Whether a URL pattern's view is an old path kept by ``deprecated``."""
    return getattr(getattr(view, "cls", None), "deprecated_since", None) is not None
