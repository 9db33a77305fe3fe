"""Test settings: the same engine DATABASE_URL names (SQLite by default)."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CBM_DEMO_USERS = True
CBM_PUBLIC_READ = env.bool("CBM_PUBLIC_READ", default=False)
# Tasks run in-process in the test process; the worker tests start a real
# Celery worker against Redis for the code path that needs one.
CELERY_TASK_ALWAYS_EAGER = True
CBM_SITE_URL = "http://testserver"
# The tests' receivers listen on 127.0.0.1 over plain http.
CBM_WEBHOOK_ALLOW_PRIVATE = True
# Every release an entry, so that tests count them; the repeat window has its
# own test (tests/security/test_disclosure_ledger.py).
CBM_DISCLOSURE_REPEAT_SECONDS = 0
