"""Settings shared by every environment; values come from the environment.

The embedded default (no environment at all) is a SQLite file next to the
code, no broker (Celery tasks run eagerly) and mail printed to the console.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login throttling per username + client address (docs/security.md).
    "axes",
    "csp",
    "countries",
    "measures",
    "digests",
    "webhooks",
]

MIDDLEWARE = [
    # Outermost: gzips the response every other middleware made (HTML, JSON,
    # CSV), with Vary: Accept-Encoding; a strong ETag becomes weak, which
    # If-None-Match still matches (docs/security.md, "Compression").
    "django.middleware.gzip.GZipMiddleware",
    "cbm_tracker.middleware.RequestIdMiddleware",
    # Under /api/, every error is the API's JSON body, also with DEBUG on.
    "cbm_tracker.middleware.ApiJsonErrorsMiddleware",
    "cbm_tracker.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below; docs/security.md).
    "cbm_tracker.middleware.ContentSecurityPolicyMiddleware",
    # A body above DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 before anything parses it.
    "cbm_tracker.middleware.RejectOversizedBodyMiddleware",
    # Under /api/, ?as_of= (empty) is the same as no as_of at all.
    "cbm_tracker.middleware.BlankQueryParametersMiddleware",
    # Records releases of marked rows by the API and CSV exports (disclosure ledger).
    "cbm_tracker.api.disclosures.DisclosureMiddleware",
    # Serves the pages' CSS from STATIC_ROOT under gunicorn (no CDN, no proxy needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login into a 429 (django-axes).
    "axes.middleware.AxesMiddleware",
]

# Logins (pages and admin) go through django-axes first: a username tried
# from one address too often is locked out (429) for AXES_COOLOFF_TIME.
AUTHENTICATION_BACKENDS = [
    "cbm_tracker.middleware.LoginThrottleBackend",
    "cbm_tracker.backends.ProfileModelBackend",
]

ROOT_URLCONF = "cbm_tracker.urls"
WSGI_APPLICATION = "cbm_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_config(url):
    """Parse DATABASE_URL and add the per-engine options we rely on.

    SQLite: BEGIN IMMEDIATE takes the write lock when a transaction starts,
    so concurrent writers queue (up to ``timeout``) instead of failing with
    "database is locked" on upgrade; that is also what serialises our
    revision counter on SQLite (DESIGN.md §2).
    """
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    config["ATOMIC_REQUESTS"] = False
    # Reuse connections across requests (a new PostgreSQL connection per
    # request doubled a scorecard's time in bench/), checked before reuse.
    config["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config.setdefault("TEST", {})
    return config


DATABASES = {
    "default": database_config(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
# Audit retention runs as a separate database role that may delete audit rows
# (the application's role may not): manage.py prune_audit uses this alias.
if env("CBM_MAINTENANCE_DATABASE_URL", default=""):
    DATABASES["maintenance"] = database_config(env("CBM_MAINTENANCE_DATABASE_URL"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# collectstatic writes a gzipped copy beside each compressible file, which
# WhiteNoise serves to clients that accept it (with Vary: Accept-Encoding).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The web pages (measures/pages/): log in with Django's auth views.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"

# Where the five source documents live (seed data cites them by file name).
CBM_SEEDS_DIR = Path(env("CBM_SEEDS_DIR", default=str(BASE_DIR.parent / "shared" / "seeds")))
# The seed data `manage.py seed` loads.
CBM_FIXTURES_DIR = Path(env("CBM_FIXTURES_DIR", default=str(BASE_DIR / "fixtures")))
# Anonymous visitors see nothing unless this is set; then they read as
# public-clearance readers (DESIGN.md §2).
CBM_PUBLIC_READ = env.bool("CBM_PUBLIC_READ", default=False)

# Celery: no broker configured means the embedded default, where tasks run
# in-process (``task_always_eager``) and ``manage.py send_digests`` does the
# weekly job.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_TIMEZONE = "UTC"
# A chunk task is acknowledged only once done; a killed worker's chunk goes
# back to the queue (and the delivery leases decide who may send what).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
# The weekly digest: one beat process, cron fields "minute hour day-of-month
# month day-of-week" (default Monday 06:00 UTC).
DIGEST_CRON = env("DIGEST_CRON", default="0 6 * * 1")
# The editors' and admins' "due this week" reminder (default Monday 07:00 UTC).
REMINDER_CRON = env("REMINDER_CRON", default="0 7 * * 1")


def cron_schedule(expression, name="DIGEST_CRON"):
    fields = expression.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(f"{name} needs five cron fields, got {expression!r}")
    names = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    return crontab(**dict(zip(names, fields, strict=True)))


CELERY_BEAT_SCHEDULE = {
    "weekly-digest": {
        "task": "digests.tasks.send_weekly_digests",
        "schedule": cron_schedule(DIGEST_CRON),
    },
    "weekly-reminders": {
        "task": "digests.tasks.send_reminders",
        "schedule": cron_schedule(REMINDER_CRON, "REMINDER_CRON"),
    },
}
# Webhooks (docs/api.md, "Webhooks"; docs/security.md): the sweep wakes every
# active hook, so a delivery whose worker died or whose wake-up was lost
# still happens; addresses must be public unless ALLOW_PRIVATE (development,
# tests: a receiver on 127.0.0.1), which also allows plain http.
CELERY_BEAT_SCHEDULE["webhook-sweep"] = {
    "task": "webhooks.tasks.deliver_all",
    "schedule": env.int("CBM_WEBHOOK_SWEEP_SECONDS", default=60),
}
CBM_WEBHOOK_ALLOW_PRIVATE = env.bool("CBM_WEBHOOK_ALLOW_PRIVATE", default=False)
CBM_WEBHOOK_BATCH = env.int("CBM_WEBHOOK_BATCH", default=100)
CBM_WEBHOOK_CONNECT_TIMEOUT = env.float("CBM_WEBHOOK_CONNECT_TIMEOUT", default=5.0)
CBM_WEBHOOK_READ_TIMEOUT = env.float("CBM_WEBHOOK_READ_TIMEOUT", default=10.0)
CBM_WEBHOOK_LEASE_SECONDS = env.int("CBM_WEBHOOK_LEASE_SECONDS", default=60)
CBM_WEBHOOK_BACKOFF_SECONDS = env.int("CBM_WEBHOOK_BACKOFF_SECONDS", default=30)
CBM_WEBHOOK_BACKOFF_MAX = env.int("CBM_WEBHOOK_BACKOFF_MAX", default=3600)
CBM_WEBHOOK_MAX_FAILURES = env.int("CBM_WEBHOOK_MAX_FAILURES", default=10)
CBM_WEBHOOK_MAX_PER_USER = env.int("CBM_WEBHOOK_MAX_PER_USER", default=10)
CBM_DIGEST_CHUNK_SIZE = env.int("CBM_DIGEST_CHUNK_SIZE", default=100)
CBM_DIGEST_LEASE_SECONDS = env.int("CBM_DIGEST_LEASE_SECONDS", default=600)
CBM_DIGEST_MAX_ATTEMPTS = env.int("CBM_DIGEST_MAX_ATTEMPTS", default=5)
CBM_REMINDER_CHUNK_SIZE = env.int("CBM_REMINDER_CHUNK_SIZE", default=100)
CBM_REMINDER_LEASE_SECONDS = env.int("CBM_REMINDER_LEASE_SECONDS", default=600)
CBM_REMINDER_MAX_ATTEMPTS = env.int("CBM_REMINDER_MAX_ATTEMPTS", default=5)
# Which recordings wait for a second person before they are published:
# "none", "level_changes" (a reconfirmation is published at once) or "all".
CBM_REVIEW = env("CBM_REVIEW", default="level_changes")
# The spreadsheet round trip (docs/pages.md): the largest file an import
# reads, below DATA_UPLOAD_MAX_MEMORY_SIZE since the preview carries the file
# to the apply step in a signed form field, and the most rows it takes.
CBM_IMPORT_MAX_BYTES = env.int("CBM_IMPORT_MAX_BYTES", default=512 * 1024)
CBM_IMPORT_MAX_ROWS = env.int("CBM_IMPORT_MAX_ROWS", default=2000)
# Absolute links in mails.
# Scorecards rendered once per ETag and kept in the cache this long
# (cbm_tracker/api/rendered.py; the ETag changes with every write).
CBM_RENDERED_CACHE_SECONDS = env.int("CBM_RENDERED_CACHE_SECONDS", default=300)
# The disclosure ledger (docs/security.md): every release of marked rows outside
# an interactive page is recorded. Off only to measure its cost (bench/ledger_cost.py).
CBM_DISCLOSURE_LEDGER = env.bool("CBM_DISCLOSURE_LEDGER", default=True)
# The same rows to the same recipient by the same request within this many
# seconds are recorded once per server process (0: every copy); docs/security.md.
CBM_DISCLOSURE_REPEAT_SECONDS = env.int("CBM_DISCLOSURE_REPEAT_SECONDS", default=300)
CBM_SITE_URL = env("CBM_SITE_URL", default="http://127.0.0.1:8000")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="CBM Tracker <noreply@localhost>")

# How many proxies sit in front of the app and append to X-Forwarded-For: the
# client address is the one the outermost trusted proxy saw. 0 trusts no
# X-Forwarded-For (DRF's default of None would trust whatever a client sends).
# Used by the API throttles and by the login throttle alike.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

# Login throttling (django-axes): failures counted per username + address;
# the 6th failure within the cool-off is refused with a 429 and logged.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "cbm_tracker.middleware.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# No row per successful login (the audit trail is ChangeRecord; failures are kept).
AXES_DISABLE_ACCESS_LOG = True

# Request bodies: the largest legitimate write (an evidence item with both
# summaries and a quote) is a few kilobytes; 1 MiB leaves room and refuses
# the rest with a 413 (cbm_tracker.middleware.RejectOversizedBodyMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Content-Security-Policy: nothing inline, nothing from elsewhere. The pages
# need no JavaScript and load one stylesheet; exceptions for the admin and the
# API documentation pages are in cbm_tracker.middleware (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Shared cache: Redis when configured (throttles then hold across processes),
# else per-process memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cbm_tracker.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cbm_tracker.api.permissions.CanRead"],
    "DEFAULT_RENDERER_CLASSES": ["cbm_tracker.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cbm_tracker.api.renderers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cbm_tracker.api.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cbm_tracker.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cbm_tracker.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # Counted atomically in the shared cache (cbm_tracker/api/throttling.py).
        "cbm_tracker.api.throttling.AnonRateThrottle",
        "cbm_tracker.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("CBM_THROTTLE_ANON", default="60/minute"),
        "user": env("CBM_THROTTLE_USER", default="600/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,  # see above
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The longest life of an API token, whoever issues it (account page, API or
# create_api_token): one limit, so no door grants what another refuses.
CBM_TOKEN_MAX_DAYS = env.int("CBM_TOKEN_MAX_DAYS", default=365)

REST_KNOX = {
    # Tokens are stored hashed; each expires (``create_api_token --days``).
    "TOKEN_TTL": datetime.timedelta(days=env.int("CBM_TOKEN_DAYS", default=90)),
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CBM Tracker API",
    "DESCRIPTION": (
        "Confidence-building and security measures in the Maghreb and the Sahel: "
        "cells, evidence and scorecards, filtered to what the caller is cleared to see."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENABLE_DJANGO_DEPLOY_CHECK": True,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "countries.choices.DatePrecision",
        "UserRoleEnum": "measures.choices.Role",
        "MembershipRoleEnum": "countries.choices.MembershipRole",
        # Levels as the API shows them (measures/api/schemas.py): a cell's
        # include no_evidence, a country's on a measure also mixed.
        "LevelEnum": "measures.choices.Level",
        "CellLevelEnum": "measures.api.schemas.CELL_LEVELS",
        "ScoreLevelEnum": "measures.api.schemas.SCORE_LEVELS",
        "FeedActionEnum": "measures.api.schemas.FEED_ACTIONS",
    },
    # Empty query parameters, If-Match, stateful links (cbm_tracker/api/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cbm_tracker.api.openapi.postprocess_schema",
    ],
}

# DJANGO_LOG_FORMAT=json (the production default) writes one JSON object per
# line with the request id; "plain" is easier on a developer's terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "cbm_tracker.logging.JSONFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
