"""Security headers and settings.

- Every response carries a Content-Security-Policy without ``unsafe-inline``
  or ``unsafe-eval`` and with nothing from another origin, the admin
  included; only the API documentation pages (Swagger UI, Redoc) add to
  ``style-src``: the response's nonce (and, for Redoc, the hashes of the
  style its bundle adds as it loads). Scripts are ``'self'`` everywhere.
- The pages, the admin's included, hold nothing the strict policy would
  block: no inline script, no ``<style>`` element, no ``style=`` attribute,
  no ``on...=`` handler. (tests/browser/test_csp.py checks what Chromium
  refuses on the admin and the documentation pages.)
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
from django.urls import reverse

from tests.factories import cell_at

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
    cell = cell_at(6, "MA")
    evidence = cell.evidence.first()
    return [*PAGES, f"/cells/{cell.pk}/", f"/evidence/{evidence.public_id}/"]


def admin_pages():
    evidence = cell_at(6, "MA").evidence.first()
    return [
        "/admin/",
        reverse("admin:measures_evidence_changelist"),
        reverse("admin:measures_evidence_change", args=[evidence.public_id]),
        reverse("admin:measures_evidence_retract", args=[evidence.public_id]),
        reverse("admin:measures_userprofile_add"),
        reverse("admin:countries_country_changelist"),
    ]


def test_every_page_and_api_response_has_a_strict_policy(browser, users):
    api = ["/api/v1/countries/", "/api/v1/schema/"]
    anonymous = Client()
    visits = [(browser, path) for path in [*pages(users), *admin_pages(), *api]]
    for client, path in [*visits, (anonymous, "/accounts/login/"), (anonymous, "/admin/login/")]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert not [key for key in policy if key.endswith(("-attr", "-elem"))], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_the_pages_hold_nothing_the_strict_policy_blocks(browser, users):
    anonymous = Client()
    visits = [(browser, path) for path in [*pages(users), *admin_pages()]]
    for client, path in [*visits, (anonymous, "/accounts/login/"), (anonymous, "/admin/login/")]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        for pattern, what in INLINE:
            found = pattern.search(html)
            assert not found, f"{path} has {what}: {found.group(0)[:80]}"


def test_only_the_api_docs_relax_the_policy_and_only_as_far_as_needed(browser):
    nonce = re.compile(r"^'nonce-[A-Za-z0-9+/]{22}=='$")
    hashed = re.compile(r"^'sha256-[A-Za-z0-9+/]{43}='$")
    swagger_page = browser.get("/api/v1/docs/")
    swagger = directives(swagger_page["Content-Security-Policy"])
    assert swagger["script-src"] == ["'self'"]
    assert swagger["style-src"][0] == "'self'" and len(swagger["style-src"]) == 2
    assert nonce.match(swagger["style-src"][1])
    # The page's one <style> carries that nonce; its script is a file.
    page = swagger_page.content.decode()
    assert f'<style nonce="{swagger["style-src"][1][7:-1]}">' in page
    assert '<script src="/api/v1/docs/?script=init"></script>' in page

    redoc_page = browser.get("/api/v1/redoc/")
    redoc = directives(redoc_page["Content-Security-Policy"])
    assert redoc["script-src"] == ["'self'"]
    assert redoc["style-src"][0] == "'self'" and nonce.match(redoc["style-src"][1])
    assert len(redoc["style-src"]) == 4 and all(map(hashed.match, redoc["style-src"][2:]))
    assert redoc["style-src"][1][7:-1] in redoc_page.content.decode()

    for policy in (swagger, redoc):
        assert not any(key.startswith(("style-src-", "script-src-")) for key in policy)
        assert policy["img-src"] == ["'self'", "data:"]
        sources = [source for values in policy.values() for source in values]
        assert not [source for source in sources if source.startswith(("'unsafe-", "http"))]
    # A fresh nonce per response.
    again = directives(browser.get("/api/v1/docs/")["Content-Security-Policy"])
    assert again["style-src"][1] != swagger["style-src"][1]


def test_the_documentation_scripts_are_same_origin_files(browser):
    for path in ("/api/v1/docs/?script=init", "/api/v1/redoc/?script=init"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/javascript"), path
        assert "<" not in response.content.decode(), path  # a script, not the page again
    assert "SwaggerUIBundle(" in browser.get("/api/v1/docs/?script=init").content.decode()
    assert "Redoc.init(" in browser.get("/api/v1/redoc/?script=init").content.decode()


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.test import Client
from django.urls import reverse
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
