"""History for readers: what changed between two dates, a cell's timeline, and
two to four countries side by side.

Built on the scorecards' own reads, so each figure here is the one the
scorecards (and the API's ``compare_to``) give for the same viewer and date:
``changes_between`` diffs two ``build_grid`` reads, the comparison is one
``country_scorecard`` and one ``score_series`` per country. Everything goes
through the visibility rule: a level, a date or a count here comes only from
assessments the viewer may see.
"""

import datetime

from countries.models import Country

from ..choices import NO_EVIDENCE
from ..models import Assessment
from . import scorecards
from .scorecards import Filters

# The compare page takes this many countries at least and at most.
COMPARE_MIN, COMPARE_MAX = 2, 4


def a_year_before(day):
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _cells(grid):
    """Each rated cell of a grid once, by cell id: its national cells and its pair
    cells (a pair of two selected countries is in the grid twice)."""
    cells = {}
    for (iso, number), cell in grid.cells.items():
        cells[cell["cell_id"]] = {**cell, "number": number, "iso": iso, "partner": None}
    for (iso, number), pairs in grid.pairs.items():
        for pair in pairs:
            if pair["cell_id"] not in cells:
                first, second = sorted((iso, pair["partner"]))
                cells[pair["cell_id"]] = {**pair, "number": number, "iso": first, "partner": second}
    return cells


def changes_between(viewer, start, end, filters):
    """Every cell whose level for the viewer on ``end`` differs from its level on
    ``start``: the two grids ``compare_to`` reads (``build_grid``), compared cell
    by cell. A cell with no visible assessment by a date is "not rated" then.
    Rows in measure, country and partner order."""
    before = _cells(scorecards.build_grid(viewer, start, filters, with_evidence=False))
    after = _cells(scorecards.build_grid(viewer, end, filters, with_evidence=False))
    unrated = {"level": NO_EVIDENCE, "effective_on": None}
    rows = []
    for cell_id in before.keys() | after.keys():
        then, now = before.get(cell_id, unrated), after.get(cell_id, unrated)
        if then["level"] == now["level"]:
            continue
        where = after.get(cell_id) or before[cell_id]
        rows.append(
            {
                "cell_id": cell_id,
                "measure": where["number"],
                "country": where["iso"],
                "partner": where["partner"],
                "from_level": then["level"],
                "from_on": then["effective_on"],
                "to_level": now["level"],
                "to_on": now["effective_on"],
            }
        )
    rows.sort(key=lambda r: (r["measure"], r["country"], r["partner"] or ""))
    return rows


def initiative_filters(viewer, slug, carried, days):
    """The filters of an initiative's changes: the measures it carries, for the
    countries that were visible members on any of ``days``; None when there
    are none (an empty filter would select every country)."""
    members = set()
    for day in days:
        members |= set(
            scorecards.visible_memberships(viewer, slug, day).values_list("country_id", flat=True)
        )
    if not members or not carried:
        return None
    return Filters(countries=tuple(sorted(members)), measures=tuple(carried))


def cell_timeline(viewer, cell, as_of=None):
    """Each dated level of a cell the viewer may see, oldest first: first
    rated, changed (from the previous level) or reconfirmed (same level, a
    later date). Retracted assessments are not levels and are left out. The
    order is the scorecards' (effective_on, recorded_at, id), so the last entry
    dated on or before ``as_of`` (or today) is the cell's level for the viewer;
    it is flagged ``in_force`` and later ones ``later``."""
    day = as_of or datetime.date.today()
    rows = list(
        Assessment.objects.visible_to(viewer)
        .filter(cell=cell, retracted=False)
        .order_by("effective_on", "recorded_at", "id")
        .values("public_id", "level", "effective_on", "effective_precision")
    )
    entries, previous = [], None
    for row in rows:
        if previous is None:
            kind = "first"
        elif previous["level"] == row["level"]:
            kind = "reconfirmed"
        else:
            kind = "changed"
        entries.append(
            {
                **row,
                "kind": kind,
                "previous": previous["level"] if previous else None,
                "in_force": False,
                "later": row["effective_on"] > day,
            }
        )
        previous = row
    current = [e for e in entries if not e["later"]]
    if current:
        current[-1]["in_force"] = True
    return entries


def compare_countries(viewer, codes, as_of=None):
    """Two to four countries side by side: each one's ``country_scorecard`` at
    ``as_of`` (score, coverage, level per measure) and ``score_series`` up to it.
    Countries in the order given; measures in number order."""
    names = {
        c["iso2"]: c
        for c in Country.objects.filter(pk__in=codes).values("iso2", "name_en", "name_fr")
    }
    countries = []
    for iso in codes:
        if iso not in names:
            continue
        card = scorecards.country_scorecard(viewer, iso, as_of)
        series = scorecards.score_series(viewer, iso, until=as_of)
        countries.append({**names[iso], "card": card, "series": series})
    measures = []
    if countries:
        for index, entry in enumerate(countries[0]["card"]["measures"]):
            measures.append(
                {
                    "number": entry["measure"],
                    "title_en": entry["title_en"],
                    "title_fr": entry["title_fr"],
                    "scope": entry["scope"],
                    "levels": [c["card"]["measures"][index] for c in countries],
                }
            )
    return {"as_of": as_of, "countries": countries, "measures": measures}
