"""Settings for the benchmarks: production behaviour (DEBUG off, no query
logging) with the URLs of bench/urls.py and throttles out of the way.

DATABASE_URL picks the benchmark database (bench/prepare.py builds it);
REDIS_URL, when set, makes the cache and broker what production uses.
"""

from cbm_tracker.settings.base import *  # noqa: F403
from cbm_tracker.settings.base import REST_FRAMEWORK, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="bench-only-not-secret-7d1f0c3a9b2e")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
CBM_DEMO_USERS = False
# A load generator is one client: throttling it would measure the throttle.
# Not a huge rate, but no throttle: DRF keeps one timestamp per request of
# the window in a cached list, read and rewritten on every request, so a
# rate of 10^8/minute under wrk grows that list to tens of thousands of
# entries — a cost production (600/minute: at most 600) never pays.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
