"""Non-interference of one-pass recording (issue 14 §3): the cell page an
editor sees — its evidence picker (filtered by default, searched, after a
search that keeps the typed values), history, evidence and CSV downloads —
stays byte for byte the same when someone else writes, above the editor's
clearance, a source, evidence and an assessment through the same one-pass
service on the same cells; and it does change when the write is visible.

Modelled on test_non_interference.py, whose masks it uses."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from measures import services
from tests.factories import EvidenceFactory, SourceFactory, cell_at, marking
from tests.security.test_non_interference import response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
WORDS = "weapons register"  # in the hidden rows, and searched for


def observe(user, cells, text):
    """Everything the editor can see of the recording form on these cells."""
    browser = Client()
    browser.force_login(user)
    seen = {}
    for cell in cells:
        url = reverse("cell", args=[cell.pk])
        for query in (
            {},
            {"q": text},
            {"q": WORDS},
            {"format": "csv", "table": "history"},
            {"format": "csv", "table": "evidence"},
        ):
            seen[(cell.pk, "GET", str(query))] = response_bytes(browser.get(url, query))
        search = {
            "action": "search",
            "version": cell.version_for(user),
            "level": "agreed",
            "rationale_en": "Typed before searching.",
            "q": WORDS,
            "new_evidence-summary_en": "Typed evidence",
            "new_source-title": "Typed source",
        }
        seen[(cell.pk, "POST", "search")] = response_bytes(browser.post(url, search))
    return seen


def one_pass(actor, cell, text, mark):
    """A level, new evidence and a new source on ``cell``, all marked ``mark``."""
    return services.record_with_evidence(
        actor,
        cell,
        assessment={
            "level": "implemented",
            "effective_on": D(2014, 1, 1),
            "expected_version": cell.version_for(actor),
            "rationale_en": f"Rests on {text}",
            "marking": mark,
        },
        new_evidence={
            "summary_en": f"{text}: a {WORDS} was published",
            "occurred_on": D(2013, 12, 1),
            "locator": "p. 3",
            "quote": text,
            "direction": "supports",
            "source_reliability": "A",
            "information_credibility": "1",
            "marking": mark,
        },
        new_source={
            "title": f"Report {text} on the {WORDS}",
            "publisher": "Ministry",
            "url": "https://example.org/r.pdf",
            "language": "en",
            "marking": mark,
        },
    )


def test_hidden_one_pass_writes_change_nothing_on_the_editors_cell_pages(users):
    text = f"CANARY-{uuid.uuid4().hex}"
    cells = [cell_at(11, "MA"), cell_at(11, "DZ")]
    before = observe(users.editor, cells, text)  # cleared restricted, scope DZ and MA
    secret = marking("confidential", "MA")
    one_pass(users.confidential_editor, cells[0], text, secret)
    # And hidden evidence about the other cell's country and measure, cited by
    # an assessment of the admin's: the picker's "same country" and "same
    # measure" groups, and its search, must not move either.
    hidden_source = SourceFactory(marking=marking("confidential"), title=f"{text} {WORDS}")
    EvidenceFactory(
        source=hidden_source,
        summary_en=f"{text} {WORDS} (country)",
        cells=[cell_at(4, "DZ"), cell_at(11, "TN")],
    )
    after = observe(users.editor, cells, text)
    changed = [key for key in before if before[key] != after[key]]
    assert changed == []


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_visible_one_pass_write_does_change_the_editors_cell_pages(users):
    text = f"VISIBLE-{uuid.uuid4().hex}"
    cells = [cell_at(11, "MA"), cell_at(11, "DZ")]
    before = observe(users.editor, cells, text)
    one_pass(users.confidential_editor, cells[0], text, marking("public"))
    after = observe(users.editor, cells, text)
    changed = {key for key in before if before[key] != after[key]}
    # The cell written shows it everywhere; the other cell offers the new
    # evidence in its picker ("same measure") and finds it by search.
    assert {key for key in before if key[0] == cells[0].pk} <= changed
    assert (cells[1].pk, "GET", "{}") in changed
    assert (cells[1].pk, "GET", str({"q": text})) in changed
    assert text in after[(cells[1].pk, "GET", str({"q": text}))].decode()
