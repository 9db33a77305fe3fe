"""Every page's CSV download records in the disclosure ledger the marked rows
of the table it sends, and nothing else the page read (docs/security.md,
"Disclosure ledger", channel ``export``)."""

import ast
import csv
import io
import pathlib

import pytest
from django.test import Client

from countries.models import Initiative
from measures.models import DisclosedRow, Disclosure
from tests.canaries import moroccan_canary
from tests.factories import EvidenceFactory, SourceFactory, marking

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE_PACKAGES = ("measures/pages", "countries/pages", "digests")
CHANGED = "changed_from=2012-01-01&changed_to=2014-01-01"


def released(disclosure):
    """``{(model, handle): marking label}`` of an entry's rows."""
    rows = DisclosedRow.objects.filter(set=disclosure.rows_id).select_related("marking")
    return {(r.model, r.handle): str(r.marking) for r in rows}


def downloads(canary):
    """Each downloadable table that can list the canary, with the canary rows
    its lines show (``evidence``, ``source``, ``assessment``)."""
    evidence, cell = canary.evidence.public_id, canary.cell.pk
    return {
        f"/evidence/{evidence}/?format=csv&table=cells": {"evidence"},
        f"/evidence/{evidence}/?format=csv&table=assessments": {"evidence", "assessment"},
        f"/sources/{canary.source.key}/?format=csv&table=evidence": {"source", "evidence"},
        "/sources/?format=csv&table=sources": {"source"},
        f"/cells/{cell}/?format=csv&table=history": {"assessment"},
        f"/cells/{cell}/?format=csv&table=evidence": {"evidence"},
        "/measures/6/?format=csv&table=countries": {"assessment"},
        "/measures/6/?format=csv&table=history": {"assessment"},
        f"/measures/6/?format=csv&table=changes&{CHANGED}": {"assessment"},
        "/measures/?format=csv&table=measures": {"assessment"},
        "/countries/?format=csv&table=countries": {"assessment"},
        "/countries/MA/?format=csv&table=measures": {"assessment"},
        "/countries/MA/?format=csv&table=evidence": {"evidence"},
        "/countries/MA/?format=csv&table=score": {"assessment"},
        "/countries/MA/?format=csv&table=initiatives": set(),
        "/compare/?c=MA&c=DZ&format=csv&table=levels": {"assessment"},
        "/?format=csv&table=heatmap": {"assessment"},
        "/cells/export/?format=csv&measure=6": {"assessment"},
        "/cells/export/?measure=6": {"assessment"},  # XLSX
        "/data-quality/?format=csv&table=findings": {"assessment"},
    }


def canary_rows(canary):
    marking = str(canary.evidence.marking)
    return {
        "evidence": (("measures.evidence", str(canary.evidence.public_id)), marking),
        "source": (("measures.source", canary.source.key), str(canary.source.marking)),
        "assessment": (
            ("measures.assessment", str(canary.assessment.public_id)),
            str(canary.assessment.marking),
        ),
    }


def download_as(user, paths):
    """``{path: rows the ledger names}`` after ``user`` downloads each path."""
    browser = Client()
    browser.force_login(user)
    recorded = {}
    for path in paths:
        before = Disclosure.objects.count()
        answer = browser.get(path)
        assert answer.status_code == 200, path
        assert answer["Content-Type"].startswith(("text/csv", "application/vnd.")), path
        entries = list(Disclosure.objects.order_by("id")[before:])
        assert len(entries) <= 1, path
        assert all(e.channel == "export" and e.what == path for e in entries), path
        recorded[path] = released(entries[0]) if entries else {}
    return recorded


def test_a_page_download_names_exactly_the_marked_rows_of_its_table(users):
    canary = moroccan_canary(users)
    rows = canary_rows(canary)
    handles = {handle for handle, _ in rows.values()}
    expected = downloads(canary)

    cleared = download_as(users.moroccan_analyst, expected)
    shown = {
        path: {handle: label for handle, label in named.items() if handle in handles}
        for path, named in cleared.items()
    }
    assert shown == {path: dict(rows[name] for name in names) for path, names in expected.items()}
    # A page about the canary names no other marked row than its table shows.
    evidence_page = next(iter(expected))
    assert cleared[evidence_page] == dict([rows["evidence"]])

    # The HTML pages themselves record nothing.
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    before = Disclosure.objects.count()
    for path in (f"/evidence/{canary.evidence.public_id}/", f"/cells/{canary.cell.pk}/"):
        assert browser.get(path).status_code == 200
    assert Disclosure.objects.count() == before

    # A reader not cleared for the canary is told of none of its rows; a
    # public reader's downloads carry nothing marked and record nothing.
    # (The canary's own evidence and source pages are a 404 for them.)
    others = [
        p for p in expected if not p.startswith(("/evidence/", f"/sources/{canary.source.key}/"))
    ]
    french = download_as(users.french_analyst, others)
    assert not any(handle in handles for named in french.values() for handle in named)
    before = Disclosure.objects.count()
    public = download_as(users.reader, [p for p in others if "data-quality" not in p])
    assert public == dict.fromkeys(public, {})
    assert Disclosure.objects.count() == before


def table_calls_without_releases():
    """``file:line`` of each ``Table(...)`` a page builds without ``releases=``."""
    missing = []
    for package in PAGE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                keywords = {k.arg for k in node.keywords}
                if name == "Table" and "releases" not in keywords and None not in keywords:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return missing


def test_every_page_table_says_which_rows_it_releases():
    # ``Table`` takes ``releases`` as a required keyword (a page that omits
    # it fails when it runs); this finds one before any page runs.
    assert table_calls_without_releases() == []


def test_an_initiative_page_download_names_the_evidence_it_lists(users):
    secret = marking("confidential", "MA")
    evidence = EvidenceFactory(
        source=SourceFactory(marking=secret), initiatives=[Initiative.objects.get(slug="nato")]
    )
    path = "/initiatives/nato/?format=csv&table=evidence"
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    lines = list(csv.DictReader(io.StringIO(browser.get(path).content.decode())))
    # Exactly the marked lines of the table (the seed's NATO evidence too).
    assert Disclosure.objects.get().what == path
    assert released(Disclosure.objects.get()) == {
        ("measures.evidence", line["id"]): line["marking"]
        for line in lines
        if line["marking"] != str(marking("public"))
    }
    assert ("measures.evidence", str(evidence.public_id)) in released(Disclosure.objects.get())
    french = download_as(users.french_analyst, [path])[path]
    assert ("measures.evidence", str(evidence.public_id)) not in french
