"""Which real services this machine has, for the tests that need them.

A test marked ``postgres``, ``redis``, ``smtp``, ``browser`` or ``worker``
skips with the reason when the service is absent, and fails instead under
``CI=true``, where .ci/run installs and starts every one of them.
"""

import functools
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection


def _reachable(url, default_port):
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


@functools.cache
def missing(service):
    """Why ``service`` cannot be used here, or None when it can."""
    if service == "postgres":
        if connection.vendor != "postgresql":
            return "needs PostgreSQL: run with DATABASE_URL=postgres://..."
        return None
    if service in ("redis", "worker"):
        url = os.environ.get("REDIS_URL", "")
        if not url:
            return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"
        if not _reachable(url, 6379):
            return f"needs Redis: nothing answers at {url}"
        return None
    if service == "smtp":
        try:
            import aiosmtpd  # noqa: F401, PLC0415  (probing: is the library installed?)
        except ImportError:
            return "needs aiosmtpd (dev dependency)"
        return None
    if service == "browser":
        if not shutil.which("/usr/bin/chromium"):
            return "needs Chromium at /usr/bin/chromium (apt-get install chromium)"
        return None
    return f"unknown service {service!r}"


def unavailable(reason, in_ci=None):
    """Skip with ``reason`` here; fail under CI=true, which must provide it."""
    if in_ci is None:
        in_ci = os.environ.get("CI") == "true"
    if in_ci:
        pytest.fail(f"CI must provide this: {reason}", pytrace=False)
    pytest.skip(reason)


def require_service(service, in_ci):
    reason = missing(service)
    if reason is not None:
        unavailable(reason, in_ci)


# The PostgreSQL roles .ci/run creates, each with its name as password
# (docs/security.md, "Database roles").
APP_ROLE, MAINTENANCE_ROLE = "cbm_app", "cbm_maintenance"


def require_roles():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [APP_ROLE, MAINTENANCE_ROLE]
        )
        if cursor.fetchone()[0] != 2:
            roles = f"{APP_ROLE} and {MAINTENANCE_ROLE}"
            unavailable(f"needs the PostgreSQL roles {roles} (.ci/run creates them)")
