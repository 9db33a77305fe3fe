from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cbm_tracker.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("cbm_tracker.api_router", "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="measures/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("", include("measures.urls")),
    path("", include("countries.urls")),
    path("", include("digests.urls")),
]

# Under /api/, Django's own errors (no route, a refused request, a crash) answer
# in the API's uniform JSON body; pages keep Django's HTML ones.
handler400 = "cbm_tracker.api.errors.bad_request_view"
handler403 = "cbm_tracker.api.errors.permission_denied_view"
handler404 = "cbm_tracker.api.errors.not_found_view"
handler500 = "cbm_tracker.api.errors.server_error_view"
