"""Every page, in English and French, on a desktop and a phone screen, in
headless Chromium: axe-core finds no WCAG 2 A/AA violation, and no page
scrolls sideways at page level (issue 15, "Accessibility" and "Phone").

The pages are loaded once for all the checks (one browser, one context per
language and screen, the session logged in once and shared): ``sweep()``
visits every page of ``PAGES`` and keeps what each check needs; each test
then asserts one property of that sweep, so that a failure names its check.
(Under pytest-xdist, a worker handed one of these tests without the others
sweeps again: the results are the same, the time is paid twice.)
axe-core is the vendored copy in tests/browser/vendor/ (nothing is fetched),
injected into every document as an init script.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from countries.models import Membership
from measures import services
from measures.models import Evidence, Measure, Proposal, Source
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


_SWEEPS = {}


@pytest.fixture
def sweep(request, live_server):
    """{(viewport, language, page): {"violations": [...], "overflow": (scroll, inner)}},
    measured once per test session: the first test to ask pays for it, and
    only that one opens the database (a transactional test's flush and
    reseed would cost more than the checks that read the sweep)."""
    if not _SWEEPS:
        request.getfixturevalue("transactional_db")
        if not Measure.objects.exists():  # as tests/conftest.py's _seed_data
            call_command("seed", verbosity=0)
        _SWEEPS.update(visit_every_page(live_server.url, prepare()))
    return _SWEEPS


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
                    }
                context.close()
    return found


def test_axe_finds_no_violation_on_any_page(sweep):
    # Grouped by rule and element, each with the pages where axe found it.
    where = {}
    for key, found in sweep.items():
        for violation in found["violations"]:
            for target in violation["targets"]:
                rule = f"{violation['rule']} ({violation['impact']}) at {target}"
                where.setdefault(rule, []).append(" ".join(key))
    assert not where, json.dumps(where, indent=1, ensure_ascii=False)
    assert len(sweep) == len(PAGES) * len(VIEWPORTS) * len(LANGUAGES)


# The phone layout is issue 15's point 1, built separately: until it lands,
# pages scroll sideways at 390 px. Strict, so that the day they stop, this
# mark fails the run and is removed.
PHONE_LAYOUT_PENDING = pytest.mark.xfail(
    strict=True, reason="phone-first layout (issue 15 point 1) not merged yet"
)


@pytest.mark.parametrize("viewport", ["desktop", pytest.param("phone", marks=PHONE_LAYOUT_PENDING)])
def test_no_page_scrolls_sideways(sweep, viewport):
    wider = {
        f"{language} {name}": f"{scroll} px in {inner}"
        for (screen, language, name), found in sweep.items()
        if screen == viewport
        for scroll, inner in [found["overflow"]]
        if scroll > inner
    }
    assert not wider, json.dumps(wider, indent=1)
