"""fixtures/evidence.yaml: the facts, each from a source, on cells and initiatives."""

from ..models import Evidence
from .reading import SeedError
from .seeder import each


def load(seeder, entries):
    seeder.evidence = each("evidence", entries, "key", lambda e: evidence(seeder, e))


def evidence(seeder, e):
    source = seeder.sources.get(str(e["source"]))
    if source is None:
        raise SeedError(f"unknown source {e['source']!r}")
    marking = seeder.marking(e.get("marking"))
    if not marking.covers(source.marking):
        raise SeedError(f"marked {marking} but its source is {source.marking}")
    grade = admiralty_grade(e)
    cells = [seeder.cell(c) for c in e.get("cells") or ()]
    initiatives = linked_initiatives(seeder, e, marking)
    return seeder.upsert(
        Evidence,
        {"key": e["key"]},
        {
            "occurred_on": e["occurred_on"],
            "occurred_precision": e.get("precision", "day"),
            "summary_en": e.get("summary_en", ""),
            "summary_fr": e.get("summary_fr", ""),
            "quote": e.get("quote", ""),
            "locator": e["locator"],
            "source": source,
            "direction": e["direction"],
            "source_reliability": grade[0],
            "information_credibility": grade[1],
            "marking": marking,
            "created_by": seeder.change.actor,
        },
        {"cells": cells, "initiatives": initiatives},
    )


def admiralty_grade(e):
    """The entry's reliability, two characters such as B2."""
    grade = str(e["reliability"])
    if len(grade) != 2:
        raise SeedError(f"reliability {grade!r} is not an Admiralty code such as B2")
    return grade


def linked_initiatives(seeder, e, marking):
    """The initiatives the entry names; each must be marked no higher than it."""
    slugs = e.get("initiatives") or ()
    unknown = [slug for slug in slugs if slug not in seeder.initiatives]
    if unknown:
        raise SeedError(f"unknown initiative(s) {', '.join(unknown)}")
    for slug in slugs:
        if seeder.initiatives[slug].marking and not marking.covers(
            seeder.initiatives[slug].marking
        ):
            raise SeedError(f"marked {marking} but linked to {slug}, marked higher")
    return [seeder.initiatives[slug] for slug in slugs]
