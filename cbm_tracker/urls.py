from django.contrib import admin
from django.urls import include, path

from cbm_tracker.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("cbm_tracker.api_router", "api"))),
    path("", include("measures.urls")),
]
