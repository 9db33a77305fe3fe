"""Security headers and settings.

- Every response carries a Content-Security-Policy without ``unsafe-inline``
  or ``unsafe-eval`` and with nothing from another origin; only the admin
  (inline ``<style>``) and the API documentation pages (Swagger UI, Redoc)
  relax ``style-src`` (and, for Swagger, ``script-src``).
- The pages hold nothing the strict policy would block: no inline script, no
  ``<style>`` element, no ``style=`` attribute, no ``on...=`` handler.
- Production settings: HTTPS redirect, HSTS with subdomains and preload,
  secure session and CSRF cookies, nosniff, DENY framing, a same-origin
  referrer policy (``check --deploy`` is tests/ops/test_operations.py).
"""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.api_helpers import no_throttles  # noqa: F401 (autouse fixture)
from tests.factories import cell

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/how-scores-work/",
    "/measures/",
    "/measures/6/",
    "/countries/",
    "/countries/MA/",
    "/initiatives/",
    "/initiatives/cemoc/",
    "/sources/",
    "/sources/000/",
    "/account/",
]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"""\sstyle\s*=\s*["']""", re.I), "a style= attribute"),
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I), "an on...= handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def directives(header):
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.fixture
def browser(users):
    browser = Client()
    browser.force_login(users.admin)
    return browser


def pages(users):
    status = cell(6, "MA")
    evidence = status.evidence.first()
    return [*PAGES, f"/cells/{status.pk}/", f"/evidence/{evidence.pk}/"]


def test_every_page_and_api_response_has_a_strict_policy(browser, users):
    for path in [*pages(users), "/api/v1/countries/", "/api/v1/schema/", "/accounts/login/"]:
        response = browser.get(path)
        assert response.status_code == 200, path
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_the_pages_hold_nothing_the_strict_policy_blocks(browser, users):
    for path in [*pages(users), "/accounts/login/"]:
        html = browser.get(path).content.decode()
        for pattern, what in INLINE:
            found = pattern.search(html)
            assert not found, f"{path} has {what}: {found.group(0)[:80]}"


def test_only_the_admin_and_the_api_docs_relax_the_policy_and_only_as_far_as_needed(browser):
    admin = directives(browser.get("/admin/")["Content-Security-Policy"])
    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]
    assert admin["script-src"] == ["'self'"]
    swagger = directives(browser.get("/api/v1/docs/")["Content-Security-Policy"])
    assert swagger["script-src"] == ["'self'", "'unsafe-inline'"]
    redoc = directives(browser.get("/api/v1/redoc/")["Content-Security-Policy"])
    assert redoc["script-src"] == ["'self'"]
    for policy in (admin, swagger, redoc):
        assert "'unsafe-eval'" not in policy["script-src"]
        assert all(not source.startswith("http") for values in policy.values() for source in values)


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client()
plain = c.get("/accounts/login/", HTTP_HOST="cbm.example.org")
healthz = c.get("/healthz", HTTP_HOST="cbm.example.org")
page = c.get("/accounts/login/", HTTP_HOST="cbm.example.org", secure=True)
cookie = page.cookies["csrftoken"]
from django.conf import settings
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "healthz_redirected": healthz.status_code in (301, 302),
    "hsts": page.get("Strict-Transport-Security"),
    "csp": page.get("Content-Security-Policy"),
    "csrf_cookie_secure": bool(cookie["secure"]),
    "csrf_cookie_samesite": cookie["samesite"],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "nosniff": page.get("X-Content-Type-Options"),
    "frame": page.get("X-Frame-Options"),
    "debug": settings.DEBUG,
}))
"""


def test_production_settings_send_hsts_and_secure_cookies(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-value-0123456789",
        "DJANGO_ALLOWED_HOSTS": "cbm.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://cbm.example.org/accounts/login/"]
    assert not seen["healthz_redirected"]  # load balancers probe over plain HTTP
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in seen["csp"] and "default-src 'self'" in seen["csp"]
    assert seen["csrf_cookie_secure"] and seen["session_cookie_secure"]
    assert seen["session_cookie_httponly"] and seen["csrf_cookie_samesite"] == "Lax"
    assert seen["nosniff"] == "nosniff" and seen["frame"] == "DENY"
    assert seen["debug"] is False
