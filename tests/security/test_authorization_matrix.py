# ruff: noqa: E501 (the outcome table is wider than a line)
"""The authorization matrix: every endpoint and page that shows or changes marked
evidence × six callers × four markings, against ONE expected-outcome table.

For each marking a fresh source, evidence item and assessment (resting on the
evidence, raising cell 6·MA to *implemented*) carry a canary string. The
table says what each caller gets; beyond the status, every response (body,
CSV export, admin page, error message) and every digest must contain the
canary exactly when the caller may see that marking, and never otherwise.

Callers (tests/conftest.py has more; these are the matrix's own):

- ``anonymous``: no login (``CBM_PUBLIC_READ`` off: the API says 401, pages
  send to the login page);
- ``reader``: reader cleared *restricted*, no affiliation;
- ``editor_in``: editor cleared *confidential*, scope and affiliation Morocco
  (the evidence's country);
- ``editor_out``: editor cleared *confidential*, scope Tunisia;
- ``analyst``: analyst cleared *confidential*, affiliated with NATO;
- ``admin``: administrator cleared *confidential*, affiliated with NATO.

Markings: ``P`` public, ``R`` restricted, ``C`` confidential, ``X``
confidential releasable to Morocco only (another country than every caller's
but editor_in's: clearance alone is not enough).
"""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from digests import delivery
from digests import services as digest_services
from measures import services
from measures.audit.revisions import latest_revision
from measures.models import Assessment, Cell, ChangeRecord, Evidence
from tests.api_helpers import client as api_client
from tests.api_helpers import feed_cursor, url
from tests.canaries import plant
from tests.factories import cell_at, make_user, marking

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "reader", "editor_in", "editor_out", "analyst", "admin"]
MARKINGS = {
    "P": ("public",),
    "R": ("restricted",),
    "C": ("confidential",),
    "X": ("confidential", "MA"),
}

# The expected outcome of every (endpoint, caller, marking), in one place.
# A cell is the HTTP status; "+" means the canary (or, for scorecards, the level
# the hidden assessment sets) is in the response, "-" that it is not.
# Columns: P R C X per caller, callers in the order of CALLERS.
EXPECTED = """
endpoint               | anonymous       | reader          | editor_in       | editor_out      | analyst         | admin
api:evidence           | 401 401 401 401 | 200 200 404 404 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
api:assessment         | 401 401 401 401 | 200 200 404 404 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
api:source             | 401 401 401 401 | 200 200 404 404 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
api:evidence-search    | 401 401 401 401 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
api:assessment-list    | 401 401 401 401 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
api:changes            | 401 401 401 401 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
api:scorecard-csv      | 401 401 401 401 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
api:link-evidence      | 401 401 401 401 | 403 403 404 404 | 200 200 200 200 | 403 403 403 404 | 403 403 403 404 | 200 200 200 404
api:retract-evidence   | 401 401 401 401 | 403 403 404 404 | 200 200 200 200 | 403 403 403 404 | 403 403 403 404 | 200 200 200 404
api:retract-assessment | 401 401 401 401 | 403 403 404 404 | 200 200 200 200 | 403 403 403 404 | 403 403 403 404 | 200 200 200 404
api:assess-on-evidence | 401 401 401 401 | 403 403 400 400 | 201 201 201 201 | 403 403 403 400 | 403 403 403 400 | 201 201 201 400
page:evidence          | 302 302 302 302 | 200 200 404 404 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
page:source            | 302 302 302 302 | 200 200 404 404 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
page:cell              | 302 302 302 302 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
page:cell-csv          | 302 302 302 302 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
page:country           | 302 302 302 302 | 200+ 200+ 200- 200- | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
admin:evidence         | 302 302 302 302 | 302 302 302 302 | 200 200 200 200 | 200 200 200 404 | 200 200 200 404 | 200 200 200 404
admin:evidence-list    | 302 302 302 302 | 302 302 302 302 | 200+ 200+ 200+ 200+ | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200- | 200+ 200+ 200+ 200-
digest                 | -   -   -   -   | +   +   -   -   | +   +   +   +   | +   +   +   -   | +   +   +   -   | +   +   +   -
"""


def parse(table):
    rows = [line for line in table.strip().splitlines()]
    callers = [c.strip() for c in rows[0].split("|")[1:]]
    assert callers == CALLERS
    expected = {}
    for line in rows[1:]:
        name, *columns = [c.strip() for c in line.split("|")]
        for caller, column in zip(callers, columns, strict=True):
            for mark, outcome in zip(MARKINGS, column.split(), strict=True):
                expected[name, caller, mark] = outcome
    return expected


OUTCOMES = parse(EXPECTED)
ENDPOINTS = sorted({name for name, _caller, _mark in OUTCOMES})

# The same table, as the visibility rule says it (a cross-check of the table above).
SEES = {
    "anonymous": "",
    "reader": "PR",
    "editor_in": "PRCX",
    "editor_out": "PRC",
    "analyst": "PRC",
    "admin": "PRC",
}
D = datetime.date
PERIOD = "2025-W11"
IN_PERIOD = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC)


def test_the_table_agrees_with_the_visibility_rule():
    for (name, caller, mark), outcome in OUTCOMES.items():
        if caller == "anonymous":
            continue
        shown = mark in SEES[caller]
        if outcome.endswith(("+", "-")):
            assert outcome.endswith("+") == shown, (name, caller, mark)
        elif outcome in ("404", "400"):
            assert not shown, (name, caller, mark)  # hidden: never a 403
        else:
            assert shown or name.startswith("admin:") and caller == "reader", (name, caller, mark)


class World:
    """The callers and one marked evidence item with its assessment and source."""

    def __init__(self, mark):
        self.users = {
            "reader": make_user("m_reader", role="reader", clearance="restricted"),
            "editor_in": make_user(
                "m_editor_in",
                role="editor",
                clearance="confidential",
                countries=["MA"],
                affiliations=["MA"],
            ),
            "editor_out": make_user(
                "m_editor_out", role="editor", clearance="confidential", countries=["TN"]
            ),
            "analyst": make_user(
                "m_analyst", role="analyst", clearance="confidential", affiliations=["nato"]
            ),
            "admin": make_user(
                "m_admin", role="admin", clearance="confidential", affiliations=["nato"]
            ),
        }
        self.marking = marking(*MARKINGS[mark])
        self.other_cell = Cell.objects.get(measure__number=12, country_id="MA", partner=None)
        with time_machine.travel(IN_PERIOD, tick=False):
            self.cursor_before = feed_cursor()
            planted = plant(
                services.system_actor(),
                cell_at(6, "MA"),
                "implemented",
                D(2025, 3, 11),
                marking=self.marking,
                occurred_on=D(2025, 3, 11),
                assessment_marking=self.marking,
            )
        self.canary = planted.text
        self.cell, self.source = planted.cell, planted.source
        self.evidence, self.assessment = planted.evidence, planted.assessment


def _revision():

    return latest_revision()


def version_for(world, caller):
    """The cell's version as the caller reads it (anonymous: refused first anyway)."""
    return world.cell.version_for(None if caller == "anonymous" else world.users[caller])


def api_for(world, caller):
    return api_client(None if caller == "anonymous" else world.users[caller])


def page_client(world, caller):
    browser = Client()
    if caller != "anonymous":
        browser.force_login(world.users[caller])
    return browser


def call(name, world, caller):
    """Send the request ``name`` names, as ``caller``; returns (status, text)."""
    api = api_for(world, caller)
    pages = page_client(world, caller)
    e, a, s = world.evidence, world.assessment, world.source
    if name == "api:evidence":
        return api.get(url(f"evidence/{e.public_id}/"))
    if name == "api:assessment":
        return api.get(url(f"assessments/{a.public_id}/"))
    if name == "api:source":
        return api.get(url(f"sources/{s.key}/"))
    if name == "api:evidence-search":
        return api.get(url("evidence/"), {"q": world.canary})
    if name == "api:assessment-list":
        return api.get(url("assessments/"), {"country": "MA", "measure": 6, "page_size": 1000})
    if name == "api:changes":
        return api.get(url("changes/"), {"since": world.cursor_before, "limit": 1000})
    if name == "api:scorecard-csv":
        return api.get(url("scorecards/countries/MA/"), {"format": "csv", "measure": 6})
    if name == "api:link-evidence":
        return api.patch(
            url(f"evidence/{e.public_id}/"), {"cells": [world.other_cell.pk]}, HTTP_IF_MATCH="*"
        )
    if name == "api:retract-evidence":
        return api.post(
            url(f"evidence/{e.public_id}/retract/"), {"reason": "Test."}, HTTP_IF_MATCH="*"
        )
    if name == "api:retract-assessment":
        version = version_for(world, caller)
        return api.post(
            url(f"assessments/{a.public_id}/retract/"),
            {"reason": "Test.", "expected_version": version},
        )
    if name == "api:assess-on-evidence":
        version = version_for(world, caller)
        return api.post(
            url("assessments/"),
            {
                "cell": world.cell.pk,
                "expected_version": version,
                "level": "implemented",
                "effective_on": "2025-03-12",
                "rationale_en": "Confirmed.",
                "evidence": [str(e.public_id)],
                "marking": {
                    "level": world.marking.level,
                    "releasable_to": world.marking.releasable_codes,
                },
            },
        )
    if name == "page:evidence":
        return pages.get(f"/evidence/{e.public_id}/")
    if name == "page:source":
        return pages.get(f"/sources/{s.key}/")
    if name == "page:cell":
        return pages.get(f"/cells/{world.cell.pk}/")
    if name == "page:cell-csv":
        return pages.get(f"/cells/{world.cell.pk}/", {"format": "csv", "table": "evidence"})
    if name == "page:country":
        return pages.get("/countries/MA/")
    if name == "admin:evidence":
        return pages.get(f"/admin/measures/evidence/{e.public_id}/change/")
    if name == "admin:evidence-list":
        # The search box echoes the query: search by a prefix, look for the whole.
        return pages.get("/admin/measures/evidence/", {"q": world.canary[:20]})
    raise AssertionError(name)


def digest_text(world, caller):
    """The digest this caller would be sent for the week the canary was filed."""
    if caller == "anonymous":
        return None
    user = world.users[caller]
    digest_services.subscribe(user, countries=["MA"])
    for recipient, context in delivery.preview(PERIOD):
        if recipient == user.email:
            return repr(context)
    return ""


@pytest.mark.parametrize("mark", list(MARKINGS))
@pytest.mark.parametrize("caller", CALLERS)
def test_authorization_matrix(caller, mark, settings):
    """Every endpoint for one (caller, marking); each request runs in a savepoint
    rolled back afterwards, so a write never changes what the next one sees."""
    settings.CBM_PUBLIC_READ = False
    world = World(mark)
    problems = []
    for name in ENDPOINTS:
        with transaction.atomic():
            problems += check(name, world, caller, mark)
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def check(name, world, caller, mark):
    expected = OUTCOMES[name, caller, mark]
    visible = mark in SEES[caller]
    where = f"{name} as {caller} on {mark}"
    if name == "digest":
        text = digest_text(world, caller)
        found = text is not None and world.canary in text
        return [] if found == (expected == "+") else [f"{where}: digest canary {found}"]
    before = footprint(world)
    response = call(name, world, caller)
    status = int(expected.rstrip("+-"))
    body = response.content.decode("utf-8", "replace")
    problems = []
    if response.status_code != status:
        problems.append(f"{where}: {response.status_code}, expected {status}: {body[:200]}")
    if expected.endswith(("+", "-")):
        # A scorecard carries no text of the evidence: the level it sets is the tell.
        tell = "implemented" if name == "api:scorecard-csv" else world.canary
        if (tell in body) != expected.endswith("+"):
            problems.append(f"{where}: canary {'missing' if visible else 'leaked'}")
    if not visible and world.canary in body:
        problems.append(f"{where}: canary leaked ({response.status_code})")
    if response.status_code >= 400 and footprint(world) != before:
        problems.append(f"{where}: a refused request wrote something")
    return problems


def footprint(world):
    return (
        Evidence.objects.get(pk=world.evidence.pk).version,
        Evidence.objects.get(pk=world.evidence.pk).retracted,
        Assessment.objects.filter(cell=world.cell).count(),
        Assessment.objects.get(pk=world.assessment.pk).retracted,
        _revision(),
        ChangeRecord.objects.count(),
    )
