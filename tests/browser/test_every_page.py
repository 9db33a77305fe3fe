"""Every page, in English and French, on a desktop and a phone screen, in
headless Chromium: axe-core finds no WCAG 2 A/AA violation, and no page
scrolls sideways at page level (issue 15, "Accessibility" and "Phone").

The pages are loaded once for both checks (one browser, one context per
language and screen, the session logged in once and shared); the failure
message names each check's findings apart.
axe-core is the vendored copy in tests/browser/vendor/ (nothing is fetched),
injected into every document as an init script.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.urls import reverse

from countries.models import Membership
from measures import services
from measures.models import Evidence, Proposal, Source
from tests.browser.helpers import chromium_browser, log_in
from tests.factories import cell_at, make_user

pytestmark = [pytest.mark.browser, pytest.mark.heavy]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-GB", "fr": "fr-FR"}


def public_evidence():
    return Evidence.objects.filter(marking__level="public").order_by("pk").first().public_id


def open_proposal():
    return Proposal.objects.order_by("pk").first().public_id


# Every page a person reads: (name, path) — the path is computed before the
# browser opens (Playwright forbids ORM calls in its thread). Add new pages here.
PAGES = [
    ("overview", lambda: reverse("overview")),
    ("measures", lambda: reverse("measure-list")),
    ("measure", lambda: reverse("measure", args=[13])),
    ("countries", lambda: reverse("country-list")),
    ("country", lambda: reverse("country", args=["DZ"])),
    ("initiatives", lambda: reverse("initiative-list")),
    ("initiative", lambda: reverse("initiative", args=["cemoc"])),
    ("sources", lambda: reverse("source-list")),
    ("source", lambda: reverse("source", args=[Source.objects.order_by("key").first().key])),
    ("evidence", lambda: reverse("evidence", args=[public_evidence()])),
    ("cell", lambda: reverse("cell", args=[cell_at(17, "DZ").pk])),
    ("how scores work", lambda: reverse("how-scores-work")),
    ("account", lambda: reverse("account")),
    ("week", lambda: reverse("week")),
    ("proposals", lambda: reverse("proposals")),
    ("proposal", lambda: reverse("proposal", args=[open_proposal()])),
    ("data quality", lambda: reverse("data-quality")),
    ("login", lambda: reverse("login")),
    ("map", lambda: reverse("map")),
    ("compare", lambda: reverse("compare") + "?c=DZ&c=MA&c=TN"),
    ("data dictionary", lambda: reverse("data-dictionary")),
    ("data package", lambda: reverse("data-package")),
    ("search", lambda: reverse("search") + "?q=Maroc"),
    ("admin new membership form", lambda: reverse("admin:countries_membership_add")),
    (
        "admin membership form",
        lambda: reverse(
            "admin:countries_membership_change", args=[Membership.objects.order_by("pk")[0].pk]
        ),
    ),
]

# axe-core in the page: the WCAG 2.0/2.1/2.2 A and AA rules only.
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The elements reaching past the screen's right edge (tag.class right-edge).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def prepare():
    """The user (an admin: every page is theirs to read), an open proposal, and
    the path of every page."""
    make_user("a11y_admin", role="admin", clearance="confidential", affiliations=["nato"])
    editor = make_user("a11y_editor", role="editor", clearance="restricted", countries=["DZ"])
    cell = cell_at(17, "DZ")
    services.submit_assessment(
        editor,
        cell,
        level="implemented",
        effective_on=datetime.date(2024, 1, 1),
        expected_version=cell.version_for(editor),
        rationale_en="For the accessibility sweep: a proposal to read.",
    )
    return [(name, path()) for name, path in PAGES]


def visit_every_page(base, pages):
    found = {}
    with chromium_browser() as browser:
        login = browser.new_context(locale="en-GB")
        log_in(login.new_page(), base, "a11y_admin")
        session = login.storage_state()
        login.close()
        for viewport, size in VIEWPORTS.items():
            for language, locale in LANGUAGES.items():
                context = browser.new_context(
                    locale=locale, viewport=size, storage_state=session, color_scheme="light"
                )
                context.set_default_timeout(15_000)
                # Through DevTools, before the page's scripts: the page's CSP
                # (no inline script) stays enforced and does not apply to it.
                context.add_init_script(path=AXE)
                page = context.new_page()
                for name, path in pages:
                    response = page.goto(base + path)
                    assert response.ok, f"{name} ({path}): {response.status}"
                    assert page.locator("html").get_attribute("lang") == language, name
                    found[viewport, language, name] = {
                        "violations": page.evaluate(RUN_AXE),
                        "overflow": tuple(page.evaluate(OVERFLOW)),
                        "widest": page.evaluate(WIDEST),
                    }
                context.close()
    return found


def violations(sweep):
    """axe's findings grouped by rule and element, each with the pages where it was found."""
    where = {}
    for key, found in sweep.items():
        for violation in found["violations"]:
            for target in violation["targets"]:
                rule = f"{violation['rule']} ({violation['impact']}) at {target}"
                where.setdefault(rule, []).append(" ".join(key))
    return where


def wider_than_the_screen(sweep):
    """Pages wider than the screen, each with the first elements that stick out."""
    return {
        " ".join(key): f"{scroll} px in {inner}: {', '.join(found['widest'][:4])}"
        for key, found in sweep.items()
        for scroll, inner in [found["overflow"]]
        if scroll > inner
    }


@pytest.mark.django_db(transaction=True)
def test_every_page_passes_axe_and_fits_the_screen(live_server):
    # One test, so the sweep is paid once whichever worker runs it.
    sweep = visit_every_page(live_server.url, prepare())

    assert len(sweep) == len(PAGES) * len(VIEWPORTS) * len(LANGUAGES)
    problems = {"axe": violations(sweep), "scrolls sideways": wider_than_the_screen(sweep)}
    assert problems == {"axe": {}, "scrolls sideways": {}}, json.dumps(
        problems, indent=1, ensure_ascii=False
    )
