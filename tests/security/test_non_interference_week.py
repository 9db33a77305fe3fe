"""Non-interference for "My week": what an editor's week shows — the page,
its filters and the API list: bodies, headers, counts — is unchanged by
writes the editor may not see (a confidential assessment and evidence on
their cells, proposals they may not see, a reply above their clearance),
and does change when someone writes what they may see.

Proposals and replies are written as rows here: their services live with
the review and right-of-reply work; what this file pins is that the week
reads them only through ``visible_to``/``awaiting_review_by``.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from measures import services
from measures.audit.revisions import latest_revision
from measures.models import Assessment, Proposal, Reply
from measures.reads import worklist
from tests.api_helpers import client
from tests.canaries import plant
from tests.factories import EvidenceFactory, assess, cell_at, make_user, marking
from tests.security.test_non_interference import response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date

PAGES = [
    "/week/",
    "/week/?state=changed",
    "/week/?state=review",
    "/week/?state=replies",
    "/week/?country=MA",
    "/week/?country=DZ&state=overdue",
]
LISTS = [
    "/api/v1/week/?page_size=1000",
    "/api/v1/week/?state=changed&state=review&state=replies",
    "/api/v1/week/?country=MA&page_size=5",
    "/api/v1/week/?measure=6&measure=11",
]


def observe(user):
    browser = Client()
    browser.force_login(user)
    api = client(user)
    seen = {path: response_bytes(browser.get(path)) for path in PAGES}
    seen.update({path: response_bytes(api.get(path)) for path in LISTS})
    return seen


def last_week(user):
    """The editor last opened their week two hours ago (and before that, a
    week ago): the first observation starts a sitting whose "since" is two
    hours ago, and the second, within the hour, keeps it."""
    now = timezone.now()
    services.note_week_visit(user, now=now - datetime.timedelta(days=7))
    services.note_week_visit(user, now=now - datetime.timedelta(hours=2))


def proposal(cell, author, level_marking):
    return Proposal.objects.create(
        cell=cell,
        level="implemented",
        effective_on=D(2026, 1, 1),
        rationale_en="ni- hidden proposal",
        marking=level_marking,
        based_on_version=cell.version_for(author),
        proposed_by=author,
    )


def hidden_writes(users):
    """Above ``users.editor`` (restricted, DZ and MA, no affiliations)."""
    confidential = marking("confidential", "MA")
    # A confidential assessment, resting on confidential evidence, on their cell.
    plant(
        users.confidential_editor,
        cell_at(6, "MA"),
        "implemented",
        D(2026, 1, 1),
        marking=confidential,
    )
    EvidenceFactory(cells=[cell_at(11, "DZ")], source__marking=marking("confidential"))
    # Proposals they may not see: above their clearance on their cell, and
    # public but on a cell outside their scope.
    reviewer = make_user(
        "editor_dz_conf", role="editor", clearance="confidential", countries=["DZ"]
    )
    proposal(cell_at(17, "DZ"), reviewer, marking("confidential"))
    outside = make_user("editor_ml", role="editor", clearance="restricted", countries=["ML"])
    proposal(cell_at(17, "ML"), outside, marking("public"))
    # A reply above their clearance, to an assessment they see.
    answered = Assessment.objects.filter(cell=cell_at(7, "MA"), marking__key="public").first()
    Reply.objects.create(
        assessment=answered,
        country_id="MA",
        text_en="ni- hidden reply",
        marking=confidential,
        created_by=users.confidential_editor,
        revision=latest_revision(),
    )


def test_hidden_writes_change_nothing_in_the_week(users):
    editor = users.editor
    last_week(editor)
    before = observe(editor)
    start = timezone.now()
    hidden_writes(users)
    after = observe(editor)
    for key in before:
        assert after[key] == before[key], key
    # Not vacuous: someone cleared for them sees each write in their week.
    seen = {
        (r.cell.measure.number, r.cell.country_id): r.reasons
        for r in worklist.week(users.admin, since=start)
    }
    assert "changed" in seen[(6, "MA")] and "changed" in seen[(11, "DZ")]
    assert "review" in seen[(17, "DZ")] and "review" in seen[(17, "ML")]
    assert "replies" in seen[(7, "MA")]


def test_writes_the_editor_may_see_do_show_in_the_week(users):
    editor = users.editor
    last_week(editor)
    before = observe(editor)
    assess(users.admin, cell_at(11, "MA"), "agreed", D(2026, 1, 1), rationale="Visible.")
    colleague = make_user("editor_ma2", role="editor", clearance="restricted", countries=["MA"])
    proposal(cell_at(12, "MA"), colleague, marking("public"))
    after = observe(editor)
    changed = {key for key in before if after[key] != before[key]}
    assert {"/week/", "/week/?state=changed", "/week/?state=review"} <= changed
    assert "/api/v1/week/?state=changed&state=review&state=replies" in changed
    body = client(editor).get("/api/v1/week/?state=changed&state=review").json()
    reasons = {(r["measure"], r["country"]): r["reasons"] for r in body["results"]}
    assert "changed" in reasons[(11, "MA")]
    assert "review" in reasons[(12, "MA")]
