"""The site's URLs plus one API view that crashes, for the 500 tests."""

from django.urls import path

from cbm_tracker.urls import urlpatterns as site_urlpatterns


def crash(request):
    raise RuntimeError("a bug in an API view")


urlpatterns = [path("api/v1/crash/", crash), *site_urlpatterns]
handler404 = "cbm_tracker.api.errors.not_found_view"
handler500 = "cbm_tracker.api.errors.server_error_view"
