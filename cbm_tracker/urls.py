from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("cbm_tracker.api_router", "api"))),
    path("", include("measures.urls")),
]
