"""Everything under /api/v1/: the apps' resources, the schema and its pages
(served from drf-spectacular-sidecar: no CDN, the tracker may run offline)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from .api.docs import RedocView, SwaggerView
from .api.root import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("", include("countries.api.urls")),
    path("", include("measures.api.urls")),
    path("", include("digests.api.urls")),
    path("", include("webhooks.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
