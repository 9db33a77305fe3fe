"""The Content-Security-Policy, as Chromium enforces it (docs/security.md).

Pages that the tracker does not write — Django's admin, Swagger UI, Redoc —
are loaded in headless Chromium under the policy the server sends, and every
``securitypolicyviolation`` event and CSP console message is collected: there
must be none (but one: Redoc's "API docs by Redocly" logo, from another
origin, which the policy refuses as it should), and each page must actually
have rendered (the admin's change list and forms with the tracker's
stylesheet, Swagger's operation list and a tried operation, Redoc's title,
operations and styles). A canary then breaks the policy on purpose in each
page, to prove that the collector sees what the browser refuses, and that
inline scripts, ``<style>`` elements without the nonce and ``style=``
attributes really are refused everywhere.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.helpers import chromium
from tests.factories import cell_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]

# Runs in every document before the page's own scripts (Playwright injects it
# through DevTools, so the policy does not apply to it).
COLLECT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation({
    page: location.pathname + location.search,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
  });
});
"""

# Breaks the policy on purpose, from the page: each should be refused.
CANARIES = {
    "style-src-attr": """() => {
      const p = document.createElement("p");
      p.innerHTML = '<span style="color: red">canary</span>';
      document.body.append(p);
    }""",
    "style-src-elem": """() => {
      const style = document.createElement("style");
      style.textContent = "body { outline: 1px solid red; }";
      document.head.append(style);
    }""",
    "script-src-elem": """() => {
      const script = document.createElement("script");
      script.textContent = "window.canaryRan = true;";
      document.body.append(script);
    }""",
}


class Watcher:
    """Collects what the browser refused, and uncaught errors, page by page."""

    def __init__(self, page):
        self.page = page
        self.violations, self.console, self.errors = [], [], []
        page.expose_function("cspViolation", lambda violation: self.violations.append(violation))
        page.add_init_script(COLLECT)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def clear(self):
        self.violations.clear()
        self.console.clear()
        self.errors.clear()

    def visit(self, url, rendered):
        """Open ``url``, wait until ``rendered`` (a locator) shows, let late
        styles and scripts run, and return what the browser refused."""
        self.clear()
        response = self.page.goto(url)
        assert response.status == 200, url
        rendered(self.page).first.wait_for(state="visible")
        self.page.wait_for_timeout(500)
        return {"violations": list(self.violations), "console": list(self.console)}

    def canary(self, directive):
        self.clear()
        self.page.evaluate(CANARIES[directive])
        self.page.wait_for_timeout(200)
        return {v["directive"] for v in self.violations}


def session_of(user):
    """A session for ``user``, made before the browser opens (no ORM in its
    thread) and handed to it as a cookie: no login form, no axes count."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def signed_in(page, base, session):
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])


NOTHING_REFUSED = {"violations": [], "console": []}


def test_the_admin_renders_under_a_policy_without_unsafe_inline(live_server, users):
    base = live_server.url
    cell = cell_at(6, "MA")
    evidence = cell.evidence.first()
    pages = {
        "change list": (
            reverse("admin:measures_evidence_changelist"),
            lambda page: page.locator("#result_list tbody tr"),
        ),
        "change list of cells": (
            reverse("admin:measures_cell_changelist"),
            lambda page: page.locator("#result_list tbody tr"),
        ),
        "change form": (
            reverse("admin:measures_evidence_change", args=[evidence.public_id]),
            lambda page: page.locator(".cbm-banner"),
        ),
        # Widgets driven by the admin's scripts: autocomplete (select2) and
        # the two-box filter (SelectFilter2).
        "add form with widgets": (
            reverse("admin:measures_userprofile_add"),
            lambda page: page.locator(".select2-container, .selector-available"),
        ),
        "action page": (
            reverse("admin:measures_evidence_retract", args=[evidence.public_id]),
            lambda page: page.locator("table.cbm-action-rows"),
        ),
    }
    session = session_of(users.admin)
    with chromium() as page:
        signed_in(page, base, session)
        watcher = Watcher(page)
        for name, (url, rendered) in pages.items():
            assert watcher.visit(base + url, rendered) == NOTHING_REFUSED, name
            assert not watcher.errors, (name, watcher.errors)

        # What rendered is styled: Django's stylesheets and the tracker's.
        page.goto(base + reverse("admin:measures_evidence_change", args=[evidence.public_id]))
        banner = page.locator(".cbm-banner").first
        assert banner.evaluate("el => getComputedStyle(el).borderLeftWidth") == "6px"
        assert page.locator("#header").evaluate("el => getComputedStyle(el).display") == "flex"
        page.goto(base + reverse("admin:measures_userprofile_add"))
        assert page.locator(".selector-available").count() == 3
        # The widgets at work: they style what they draw through the CSSOM.
        watcher.clear()
        page.locator(".select2-selection").first.click()
        page.locator(".select2-results__option").first.wait_for(state="visible")
        page.keyboard.press("Escape")
        page.locator("#id_scope_countries_from").select_option(index=0)
        page.locator("#id_scope_countries_add").click()
        assert page.locator("#id_scope_countries_to option").count() == 1
        page.wait_for_timeout(300)
        assert (watcher.violations, watcher.console, watcher.errors) == ([], [], [])

        # And the policy is strict here: the browser refuses all three.
        for directive in CANARIES:
            assert watcher.canary(directive) == {directive}, directive
        assert page.evaluate("window.canaryRan") is None


# Redoc's side menu always shows "API docs by Redocly" with Redocly's logo
# from their CDN: another origin, refused as it should be (the component hides
# the image when it fails). The one refusal expected anywhere.
REDOCLY_LOGO = {
    "page": "/api/v1/redoc/",
    "directive": "img-src",
    "blocked": "https://cdn.redoc.ly/redoc/logo-mini.svg",
    "sample": "",
}


def test_swagger_ui_and_redoc_render_with_no_inline_script(live_server, users):
    base = live_server.url
    session = session_of(users.reader)
    with chromium() as page:
        signed_in(page, base, session)
        watcher = Watcher(page)

        refused = watcher.visit(base + "/api/v1/docs/", lambda page: page.locator(".opblock"))
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("CBM Tracker API")
        operations = page.locator(".opblock").count()
        assert operations >= 30, operations  # every operation of the schema is listed
        # The initialisation script ran (it is what wires Swagger UI to the
        # session): try an operation and get the answer.
        countries = page.locator(".opblock-get").filter(
            has=page.locator('.opblock-summary-path[data-path="/api/v1/countries/"]')
        )
        countries.locator(".opblock-summary").first.click()
        countries.get_by_role("button", name="Try it out").click()
        countries.get_by_role("button", name="Execute").click()
        status = countries.locator(".live-responses-table tr.response .response-col_status").first
        status.wait_for(state="visible")
        assert status.inner_text().strip() == "200"
        page.wait_for_timeout(300)
        refused["violations"] += watcher.violations
        refused["console"] += watcher.console
        assert refused == NOTHING_REFUSED
        assert not watcher.errors, watcher.errors
        for directive in CANARIES:
            assert watcher.canary(directive) == {directive}, directive
        assert page.evaluate("window.canaryRan") is None

        refused = watcher.visit(
            base + "/api/v1/redoc/",
            lambda page: page.get_by_role("heading", name="CBM Tracker API", level=1),
        )
        assert page.locator("[data-section-id^='tag/']").count() >= 1
        assert page.locator("[data-section-id^='operation/']").count() >= 30
        # Redoc's own styles applied (styled-components, under the nonce).
        menu = page.locator(".menu-content").first
        assert menu.evaluate("el => getComputedStyle(el).position") == "sticky"
        assert refused["violations"] == [REDOCLY_LOGO]
        assert all("img-src" in message for message in refused["console"])
        assert not watcher.errors, watcher.errors
        for directive in CANARIES:
            assert watcher.canary(directive) == {directive}, directive
        assert page.evaluate("window.canaryRan") is None
