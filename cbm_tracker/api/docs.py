"""The API's documentation pages: nothing fetched from outside, no inline
script, inline styles only under the response's CSP nonce, and no 500.

drf-spectacular's Redoc template links Google Fonts (fonts.googleapis.com)
whatever REDOC_DIST says, so a browser on a closed network waits on it and a
strict Content-Security-Policy breaks the page; and both pages answer OPTIONS
with a 500 (their HTML renderer has no template for DRF's metadata). These
views serve the same pages with only the sidecar's local files, for GET and
HEAD (routed in cbm_tracker/api_router.py).

The policy on these pages (cbm_tracker.middleware, docs/security.md) is the
strict one plus ``style-src 'nonce-…'``:

- Swagger UI is drf-spectacular's *split* view: the page loads its
  initialisation script from its own URL (``?script=init``) instead of
  running it inline; the page's one ``<style>`` carries the nonce.
- Redoc is initialised the same way, by a script this view serves
  (``?script=init``), which hands Redoc the nonce: Redoc's styled-components
  put it on the ``<style>`` elements they add at run time. The nonce travels
  in the container's ``nonce`` attribute, which the browser hides from the
  DOM (only the ``.nonce`` property reads it). Redoc's search is off: it
  runs in a Worker made from a ``blob:`` URL, which ``script-src 'self'``
  refuses.
"""

from django.template import engines
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response

SWAGGER_PAGE = """{% extends "drf_spectacular/swagger_ui.html" %}
{% block head %}
    <title>{{ title|default:"Swagger" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {% if favicon_href %}<link rel="icon" href="{{ favicon_href }}">{% endif %}
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
    <style nonce="{{ request.csp_nonce }}">
      html { box-sizing: border-box; overflow-y: scroll; }
      *, *:after, *:before { box-sizing: inherit; }
      body { background: #fafafa; margin: 0; }
    </style>
{% endblock head %}
"""

REDOC_PAGE = """{% extends "drf_spectacular/redoc.html" %}
{% block head %}
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style nonce="{{ request.csp_nonce }}">body { margin: 0; padding: 0; }</style>
{% endblock head %}
{% block body %}
    <div id="redoc-container"></div>
    <script src="{{ redoc_standalone }}"></script>
    <script src="{{ script_url }}" data-spec-url="{{ schema_url }}"
            nonce="{{ request.csp_nonce }}"></script>
{% endblock body %}
"""

REDOC_SCRIPT = """"use strict";
(() => {
  const script = document.currentScript;
  const settings = {{ settings|default:"{}"|safe }};
  Redoc.init(
    script.dataset.specUrl,
    {...settings, disableSearch: true, nonce: script.nonce},
    document.getElementById("redoc-container"),
  );
})();
"""

TEMPLATES = {
    "cbm/swagger_ui.html": SWAGGER_PAGE,
    "cbm/redoc.html": REDOC_PAGE,
    "cbm/redoc.js": REDOC_SCRIPT,
}


class _LocalTemplateRenderer(TemplateHTMLRenderer):
    """Renders the pages above; drf-spectacular's own templates otherwise
    (Swagger's initialisation script)."""

    def resolve_template(self, template_names):
        for name in template_names:
            if name in TEMPLATES:
                return engines["django"].from_string(TEMPLATES[name])
        return super().resolve_template(template_names)


def _script_url(request):
    """This page's URL asking for its script. The value must not be empty:
    under /api/, BlankQueryParametersMiddleware drops empty parameters (and
    drf-spectacular's split view only asks whether ``script`` is there)."""
    return set_query_parameters(request.get_full_path(), script="init")


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI, its initialisation script served by ``?script=init``."""

    renderer_classes = [_LocalTemplateRenderer]
    template_name = "cbm/swagger_ui.html"
    http_method_names = ["get", "head"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if "script_url" in response.data:
            response.data["script_url"] = _script_url(request)
        return response


class RedocView(SpectacularRedocView):
    """Redoc, initialised by the script served by ``?script=init``."""

    renderer_classes = [_LocalTemplateRenderer]
    template_name = "cbm/redoc.html"
    template_name_js = "cbm/redoc.js"
    http_method_names = ["get", "head"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.GET.get("script") is not None:
            return Response(
                data={"settings": self._dump(spectacular_settings.REDOC_UI_SETTINGS)},
                template_name=self.template_name_js,
                content_type="application/javascript",
            )
        response = super().get(request, *args, **kwargs)
        response.data["script_url"] = _script_url(request)
        return response
