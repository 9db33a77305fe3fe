"""GET /api/v1/: the API root, so that a client starts from one address.

The list is read off the URL configuration itself — every route of the
``api`` namespace that takes no path parameter — so a new endpoint joins it
without anyone remembering to; deprecated paths stay out (they answer with
a ``Link`` to their successor instead)."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .conditional import VARY
from .deprecation import is_deprecated
from .errors_schema import ERRORS

# Pages for people rather than resources: named apart in the answer.
DOCUMENTATION = {"schema", "swagger-ui", "redoc"}


def _takes_no_parameter(entry):
    return not entry.pattern.converters and "(?P<" not in str(entry.pattern)


def _routes(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns)
        elif (
            isinstance(entry, URLPattern)
            and entry.name
            and _takes_no_parameter(entry)
            and not is_deprecated(entry.callback)
        ):
            yield entry.name


def api_routes():
    """Names of the parameterless routes of /api/v1/, in URL order, once each."""
    api = next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "api")
    return list(dict.fromkeys(_routes(api.url_patterns)))


class ApiRootView(APIView):
    @extend_schema(
        operation_id="api_root",
        responses={
            200: inline_serializer(
                "ApiRoot",
                {
                    "resources": serializers.DictField(
                        child=serializers.URLField(), help_text="Route name → absolute URL."
                    ),
                    "documentation": serializers.DictField(child=serializers.URLField()),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        resources, documentation = {}, {}
        for name in api_routes():
            if name == "root":
                continue
            url = request.build_absolute_uri(reverse(f"api:{name}"))
            (documentation if name in DOCUMENTATION else resources)[name] = url
        response = Response({"resources": resources, "documentation": documentation})
        response["Vary"] = VARY
        return response
