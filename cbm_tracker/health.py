"""/healthz for load balancers and monitors: can we reach what we need?

Answers 200 when the database, the cache and (when configured) the broker
answer, 503 otherwise; it names each check's outcome and nothing else (no
hosts, no versions, no secrets). Exempt from the HTTPS redirect and from
authentication.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cbm_tracker.celery import app


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache():
    cache.set("cbm:healthz", "ok", 10)
    if cache.get("cbm:healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _broker():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database, "cache": _cache}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _broker
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure is the answer, not an error page
            results[name] = "unavailable"
    healthy = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
