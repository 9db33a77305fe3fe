"""fixtures/initiatives.yaml: the initiatives, the measures they carry and
their members.

Loaded in three passes: the initiatives first, unmarked and without
citations, because the sources' markings name them (releasable to NATO);
their markings and citations once the sources exist; the carried measures
and memberships once the measures exist.
"""

from countries.models import Initiative, Membership

from ..models import CarriedMeasure
from ..rules import membership_problems
from .reading import SeedError
from .seeder import each, field_value


def load(seeder, entries):
    """The initiatives, unmarked and without citations."""
    seeder.initiatives = each(
        "initiatives",
        entries,
        "slug",
        lambda e: seeder.upsert(Initiative, {"slug": e["slug"]}, fields(e)),
    )


def load_citations(seeder, entries):
    """The initiatives' markings and citations."""
    seeder.initiatives = each("initiatives", entries, "slug", lambda e: cited(seeder, e))


def load_links(seeder, entries):
    """The measures each initiative carries, and its members."""
    each("initiatives", entries, "slug", lambda e: links(seeder, e))


def fields(e):
    return {
        "acronym": e.get("acronym", ""),
        "name_en": e["name_en"],
        "name_fr": e["name_fr"],
        "kind": e["kind"],
        "started_on": e.get("started_on"),
        "start_precision": e.get("start_precision") or "",
        "ended_on": e.get("ended_on"),
        "end_precision": e.get("end_precision") or "",
        "seat": e.get("seat") or "",
        "description_en": e.get("description_en", ""),
        "description_fr": e.get("description_fr", ""),
    }


def cited(seeder, e):
    marking = seeder.optional_marking(e)
    return seeder.upsert(
        Initiative,
        {"slug": e["slug"]},
        {**fields(e), "marking": marking, **seeder.cite(e, marking)},
    )


def links(seeder, e):
    initiative = seeder.initiatives[e["slug"]]
    for carried in e.get("measures") or ():
        carried_measure(seeder, e, initiative, carried)
    rows = [membership(seeder, e, initiative, m) for m in e.get("memberships") or ()]
    # The data-entry rules (measures/rules.py) bind an import as they bind
    # the admin: a start, inside the initiative's dates, no overlap.
    for row in rows:
        check_membership(row)


def carried_measure(seeder, e, initiative, carried):
    if carried["number"] not in seeder.measures:
        raise SeedError(f"carries unknown measure {carried['number']!r}")
    return seeder.upsert(
        CarriedMeasure,
        {"initiative": initiative, "measure": seeder.measures[carried["number"]]},
        {
            "note": carried.get("note", ""),
            "note_fr": carried.get("note_fr", ""),
            # visible with its initiative, so cited under its marking
            **seeder.cite(carried if "cite" in carried else e, initiative.marking),
        },
    )


def membership(seeder, e, initiative, m):
    key = {
        "initiative": initiative,
        "country": seeder.country(m["country"]),
        "role": m["role"],
        "start": field_value(Membership, "start", m.get("start")),
    }
    marking = seeder.optional_marking(m) or initiative.marking
    return seeder.upsert(
        Membership,
        key,
        {
            "start_precision": m.get("start_precision") or "",
            "end": m.get("end"),
            "end_precision": m.get("end_precision") or "",
            "note": m.get("note") or "",
            "note_fr": m.get("note_fr") or "",
            "marking": marking,
            **seeder.cite(m if "cite" in m else e, marking),
        },
    )


def check_membership(row):
    problems = membership_problems(row)
    if problems:
        raise SeedError(
            f"membership {row.country_id} ({row.role}): "
            + "; ".join(f"{k}: {v}" for k, v in problems.items())
        )
