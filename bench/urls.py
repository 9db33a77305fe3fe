"""The application's URLs plus the baseline of the wrk benchmark: a minimal
Django view returning fixed bytes (the same bytes the scorecard returns),
behind the same middleware stack. bench/throughput.py writes those bytes to
the file named by CBM_BENCH_BODY before it starts gunicorn."""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from cbm_tracker.urls import urlpatterns as app_urlpatterns

_body_file = os.environ.get("CBM_BENCH_BODY", "")
BODY = Path(_body_file).read_bytes() if _body_file else b"{}"


def static_bytes(request):
    return HttpResponse(BODY, content_type="application/json")


urlpatterns = [path("bench/static/", static_bytes), *app_urlpatterns]
