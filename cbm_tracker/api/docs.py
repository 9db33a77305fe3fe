"""The API's documentation pages, with nothing fetched from outside and no 500.

drf-spectacular's Redoc template links Google Fonts (fonts.googleapis.com)
whatever REDOC_DIST says, so a browser on a closed network waits on it and a
strict Content-Security-Policy breaks the page; and both pages answer OPTIONS
with a 500 (their HTML renderer has no template for DRF's metadata). These
views serve the same pages with only the sidecar's local files, for GET and
HEAD (routed in cbm_tracker/api_router.py).
"""

from django.template import engines
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import TemplateHTMLRenderer

REDOC_PAGE = """{% extends "drf_spectacular/redoc.html" %}
{% block head %}
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
{% endblock head %}
"""


class _LocalRedocRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        return engines["django"].from_string(REDOC_PAGE)


class SwaggerView(SpectacularSwaggerView):
    http_method_names = ["get", "head"]


class RedocView(SpectacularRedocView):
    renderer_classes = [_LocalRedocRenderer]
    http_method_names = ["get", "head"]
