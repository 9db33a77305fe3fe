"""A data package carries the evidence behind its levels: evidence.csv lists
exactly the evidence its viewer may see (not retracted, on a cell, occurred by
``as_of``), with codes and names side by side, and the ledger hears of it."""

import datetime

import pytest

from countries.models import Initiative
from measures import services
from measures.models import DisclosedRow, Disclosure
from measures.reads import packages
from tests.api_helpers import client, everything, token_for, url
from tests.canaries import moroccan_canary
from tests.factories import EvidenceFactory, SourceFactory, cell_at, marking
from tests.measures.test_data_packages import check_frictionless, table, unzip

pytestmark = pytest.mark.django_db

D = datetime.date
COLUMNS = [
    "id", "occurred_on", "precision", "summary_en", "summary_fr", "quote", "locator", "source",
    "source_title", "direction", "direction_label", "grade", "marking", "marking_label", "cells",
    "initiatives",
]  # fmt: skip


def evidence_of(user, **params):
    """``{public id: row}`` of the evidence.csv in ``user``'s package, and its rows in order."""
    files, _archive = unzip(client(user).get(url("package/"), params).content)
    header, *rows = table(files, "evidence.csv")
    assert header == COLUMNS
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}, rows, files


def listed_by_the_api(user):
    """What the evidence list shows ``user`` that bears on a cell and stands."""
    return {
        item["id"]: item
        for item in everything(client(user), "evidence/")
        if item["cells"] and not item["retracted"]
    }


def test_the_evidence_table_lists_what_the_viewer_may_see_with_names_and_codes(users):
    source = SourceFactory(title="Joint communiqué of the 5+5 Defence ministers")
    filed = EvidenceFactory(
        source=source,
        occurred_on=D(2011, 5, 3),
        summary_en="Ministers agreed to share the exercise calendar.",
        summary_fr="Les ministres sont convenus de partager le calendrier des exercices.",
        quote="share the calendar",
        locator="§ 4",
        direction="undermines",
        source_reliability="C",
        information_credibility="3",
        cells=[cell_at(14, "DZ", "MA"), cell_at(6, "MA")],
        initiatives=[Initiative.objects.get(slug="5plus5")],
    )
    french_only = EvidenceFactory(summary_en="", summary_fr="Seul.", cells=[cell_at(6, "MA")])
    retracted = EvidenceFactory(cells=[cell_at(6, "MA")])
    services.retract_evidence(users.editor, retracted, reason="Misread.", expected_version=1)
    no_cell = EvidenceFactory(initiatives=[Initiative.objects.get(slug="5plus5")])
    canary = moroccan_canary(users)

    seen, rows, files = evidence_of(users.reader)

    assert set(seen) == set(listed_by_the_api(users.reader))
    assert str(filed.public_id) in seen and str(french_only.public_id) in seen
    assert {
        str(retracted.public_id),
        str(no_cell.public_id),
        str(canary.evidence.public_id),
    }.isdisjoint(seen)
    assert seen[str(filed.public_id)] == {
        "id": str(filed.public_id),
        "occurred_on": "2011-05-03",
        "precision": "day",
        "summary_en": "Ministers agreed to share the exercise calendar.",
        "summary_fr": "Les ministres sont convenus de partager le calendrier des exercices.",
        "quote": "share the calendar",
        "locator": "§ 4",
        "source": source.key,
        "source_title": "Joint communiqué of the 5+5 Defence ministers",
        "direction": "undermines",
        "direction_label": "undermines progress",
        "grade": "C3",
        "marking": "public",
        "marking_label": "PUBLIC",
        "cells": "6 · MA; 14 · DZ–MA",
        "initiatives": "5plus5",
    }
    assert seen[str(french_only.public_id)]["summary_en"] == ""
    assert seen[str(french_only.public_id)]["summary_fr"] == "Seul."
    # Oldest first, then by public id: one state, one file.
    assert [(r[1], r[0]) for r in rows] == sorted((r[1], r[0]) for r in rows)

    # The resource validates like every other, and is described.
    descriptor = check_frictionless(files)
    resource = next(r for r in descriptor["resources"] if r["name"] == "evidence")
    assert resource["schema"]["primaryKey"] == ["id"]
    types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    assert (types["occurred_on"], types["grade"], types["id"]) == ("date", "string", "string")
    described = {row[0] for row in table(files, "data-dictionary.csv")[1:]}
    assert set(COLUMNS) <= described

    # Who may see the canary finds it, and the ceiling counts its marking.
    analyst = users.moroccan_analyst
    cleared, _rows, _files = evidence_of(analyst)
    assert set(cleared) == set(listed_by_the_api(analyst))
    row = cleared[str(canary.evidence.public_id)]
    assert (row["marking"], row["summary_en"]) == (
        "confidential:MA",
        f"{canary.text} seen at the border",
    )
    assert {r["marking"] for r in cleared.values()} <= set(packages.cite(analyst).markings)


def test_as_of_drops_later_evidence(users):
    early = EvidenceFactory(occurred_on=D(2009, 12, 31), cells=[cell_at(6, "MA")])
    late = EvidenceFactory(occurred_on=D(2010, 1, 2), cells=[cell_at(6, "MA")])

    now, _rows, _files = evidence_of(users.reader)
    then, _rows, _files = evidence_of(users.reader, as_of="2010-01-01")

    assert str(early.public_id) in then and str(late.public_id) not in then
    assert set(then) == {key for key, row in now.items() if row["occurred_on"] <= "2010-01-01"}


def test_the_ledger_records_the_evidence_a_package_releases(users):
    canary = moroccan_canary(users)
    restricted = EvidenceFactory(cells=[cell_at(6, "DZ")], marking=marking("restricted"))

    reader = client(token=token_for(users.reader))
    assert reader.get(url("package/")).status_code == 200
    assert not Disclosure.objects.filter(recipient=users.reader).exists()  # public rows only

    analyst = client(token=token_for(users.moroccan_analyst))
    files, _archive = unzip(analyst.get(url("package/")).content)
    entry = Disclosure.objects.get(recipient=users.moroccan_analyst, channel="package")
    released = {
        (r.model, r.handle): r.marking.key
        for r in DisclosedRow.objects.filter(set=entry.rows_id).select_related("marking")
    }
    assert released[("measures.evidence", str(canary.evidence.public_id))] == "confidential:MA"
    assert released[("measures.evidence", str(restricted.public_id))] == "restricted"
    # Every marked evidence row of the file is in the entry, and no other.
    marked = {row[0] for row in table(files, "evidence.csv")[1:] if row[12] != "public"}
    assert {h for m, h in released if m == "measures.evidence"} == marked
