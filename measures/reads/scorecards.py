"""Every read that aggregates: scorecards as plain data, for one viewer.

Pure functions of (viewer, as_of, filters). Each runs a fixed number of
queries whatever the data size: the latest visible assessment per cell comes
from one window-function query (portable to SQLite and PostgreSQL), evidence
counts and dates from one grouped query, and the rest is arithmetic on those
rows. Nothing here reads a row the viewer may not see, so a level resting on
confidential evidence never reaches a public scorecard.

How scores work: a cell's level has a weight (measures/choices.py WEIGHTS);
``not_applicable`` and ``no_evidence`` carry none and are left out. A
country's value on a bilateral measure is the mean weight over its rated
pairs (its ``level`` is the pairs' common level, or ``mixed``). A country's
score is the mean value over the measures it has one for.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Count, F, Max, Q
from django.db.models.expressions import RawSQL

from countries.choices import MembershipRole
from countries.models import Country, CountryPair, Initiative, Membership

from ..audit import disclosures
from ..choices import NO_EVIDENCE, WEIGHTS, Level, Scope
from ..models import Assessment, Cell, Evidence, Measure

MIXED = "mixed"
COUNTED_LEVELS = [*Level.values, MIXED, NO_EVIDENCE]


@dataclass(frozen=True)
class Filters:
    countries: tuple = ()  # ISO alpha-2 codes
    measures: tuple = ()  # measure numbers
    initiative: str | None = None  # slug: member countries at the as-of date
    region: str | None = None
    domain: str | None = None
    scope: str | None = None


@dataclass
class Grid:
    """Levels of the selected countries on the selected measures."""

    as_of: datetime.date | None
    measures: list
    countries: list
    cells: dict = field(default_factory=dict)  # (iso, number) -> national/regional cell
    pairs: dict = field(default_factory=dict)  # (iso, number) -> [pair cells]
    last_evidence: dict = field(default_factory=dict)  # iso -> date


def _round(value):
    return None if value is None else round(value, 4)


def visible_memberships(viewer, slug, day):
    """Memberships in force on ``day`` that the viewer may see (a membership
    known only from a confidential source must not show who belongs)."""
    return (
        Membership.objects.visible_to(viewer)
        .filter(initiative__slug=slug)
        .exclude(role=MembershipRole.EXCLUDED)
        .active_on(day or datetime.date.today())
    )


def select_countries(viewer, filters, as_of=None):
    qs = Country.objects.all()
    if filters.countries:
        qs = qs.filter(pk__in=filters.countries)
    if filters.region:
        qs = qs.filter(regions__code=filters.region)
    if filters.initiative:
        members = visible_memberships(viewer, filters.initiative, as_of)
        qs = qs.filter(pk__in=members.values("country_id"))
    return list(qs.order_by("iso2").values("iso2", "name_en", "name_fr"))


def select_measures(filters):
    qs = Measure.objects.all()
    if filters.measures:
        qs = qs.filter(number__in=filters.measures)
    if filters.domain:
        qs = qs.filter(domain=filters.domain)
    if filters.scope:
        qs = qs.filter(scope=filters.scope)
    return list(
        qs.order_by("number").values(
            "id",
            "number",
            "title_en",
            "title_fr",
            "short_title_en",
            "short_title_fr",
            "domain",
            "scope",
        )
    )


def latest_assessments(viewer, as_of=None, cell_filter=None):
    """The current assessment of every rated cell, as the viewer sees it, as
    the grid's cells (``evidence_count`` is filled in by ``build_grid``).

    One query over the cells: for each, its first visible, non-retracted
    assessment in (effective_on, recorded_at, id) descending order, found by
    one seek down the assessment_latest_idx index — so the cost follows the
    number of cells, not the length of their histories. (A window function
    ranking every assessment read all 10^6 of them: 5× slower on PostgreSQL,
    8× on SQLite, and it grew faster than the output.)

    The ORM cannot join a correlated subquery (PostgreSQL's LATERAL), so the
    statement is put together here from two querysets the ORM compiles: the
    cells (``cell_filter`` is on Cell fields) and the per-cell pick, whose
    visibility comes from ``visible_to`` like everywhere else.
    """
    alias = router.db_for_read(Assessment)
    database = connections[alias]
    cells = Cell.objects.order_by().values("id", "measure_id", "country_id", "partner_id")
    if cell_filter is not None:
        cells = cells.filter(cell_filter)
    pick = Assessment.objects.visible_to(viewer).filter(
        cell_id=RawSQL("cell.id", ()), retracted=False
    )
    if as_of is not None:
        pick = pick.filter(effective_on__lte=as_of)
    pick = pick.order_by("-effective_on", "-recorded_at", "-id")
    columns = "cell.id, cell.measure_id, cell.country_id, cell.partner_id"
    try:
        cells_sql, cells_params = cells.query.get_compiler(using=alias).as_sql()
        if database.vendor == "postgresql":
            pick = pick.values(
                "level", "effective_on", "effective_precision", "public_id", "marking_id"
            )[:1]
            join = "CROSS JOIN LATERAL ({}) latest"
        else:
            pick = pick.values("id")[:1]
            table = database.ops.quote_name(Assessment._meta.db_table)
            join = f"JOIN {table} latest ON latest.id = ({{}})"
        pick_sql, pick_params = pick.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:  # no cell selected, or nothing the viewer may see
        return []
    sql = (
        f"SELECT {columns}, latest.level, latest.effective_on, latest.effective_precision, "
        f"latest.public_id, latest.marking_id FROM ({cells_sql}) cell {join.format(pick_sql)}"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, (*cells_params, *pick_params))
        rows = cursor.fetchall()
    if disclosures.is_collecting():
        # Each level shown (or counted in a score) is its assessment's content.
        levels = disclosures.levels({r[8] for r in rows})
        disclosures.note(
            [
                ("measures.assessment", disclosures.handle(r[7]), r[8], levels[r[8]])
                for r in rows
                if levels[r[8]] != disclosures.PUBLIC
            ]
        )
    return [
        {
            "cell_id": pk,
            "measure_id": measure_id,
            "iso": iso,
            "partner": partner,
            "level": level,
            # SQLite hands dates back as text.
            "effective_on": datetime.date.fromisoformat(day) if isinstance(day, str) else day,
            "effective_precision": precision,
            "evidence_count": 0,
        }
        for pk, measure_id, iso, partner, level, day, precision, _, _ in rows
    ]


def evidence_by_cell(viewer, as_of=None, cell_filter=None):
    """Visible, non-retracted evidence per cell: count and latest date (one query)."""
    # .order_by(): a default ordering would also end up in the GROUP BY.
    qs = Evidence.objects.visible_to(viewer).filter(retracted=False, cells__isnull=False).order_by()
    if as_of is not None:
        qs = qs.filter(occurred_on__lte=as_of)
    if cell_filter is not None:
        qs = qs.filter(cell_filter)
    return qs.values(
        cell_id=F("cells"),
        measure_id=F("cells__measure_id"),
        iso=F("cells__country_id"),
        partner=F("cells__partner_id"),
    ).annotate(count=Count("id", distinct=True), last=Max("occurred_on"))


def _cell_filter(prefix, codes, measure_ids):
    q = Q(**{f"{prefix}measure_id__in": measure_ids})
    if codes is not None:
        q &= Q(**{f"{prefix}country_id__in": codes}) | Q(**{f"{prefix}partner_id__in": codes})
    return q


def build_grid(viewer, as_of=None, filters=Filters(), with_evidence=True):
    measures = select_measures(filters)
    countries = select_countries(viewer, filters, as_of)
    grid = Grid(as_of=as_of, measures=measures, countries=countries)
    measure_ids = [m["id"] for m in measures]
    selected = {c["iso2"] for c in countries}
    # Restrict the cell queries only when a country filter narrows the set.
    codes = (
        sorted(selected) if (filters.countries or filters.region or filters.initiative) else None
    )
    entries = {}

    def entry(row):
        key = row["cell_id"]
        if key not in entries:
            entries[key] = {
                "measure_id": row["measure_id"],
                "iso": row["iso"],
                "partner": row["partner"],
                "level": NO_EVIDENCE,
                "effective_on": None,
                "effective_precision": None,
                "evidence_count": 0,
            }
        return entries[key]

    # The rows become the cells themselves (the matrix makes 40,000 of them).
    for row in latest_assessments(viewer, as_of, _cell_filter("", codes, measure_ids)):
        entries[row["cell_id"]] = row
    evidence = (
        evidence_by_cell(viewer, as_of, _cell_filter("cells__", codes, measure_ids))
        if with_evidence
        else ()  # the matrix shows no evidence counts or dates
    )
    for row in evidence:
        entry(row)["evidence_count"] = row["count"]
        for iso in (row["iso"], row["partner"]):
            if iso in selected and (grid.last_evidence.get(iso) or datetime.date.min) < row["last"]:
                grid.last_evidence[iso] = row["last"]
    number = {m["id"]: m["number"] for m in measures}
    for cell in entries.values():
        n = number[cell["measure_id"]]
        if cell["partner"] is None:
            grid.cells[(cell["iso"], n)] = cell
            continue
        for iso, other in ((cell["iso"], cell["partner"]), (cell["partner"], cell["iso"])):
            if iso in selected:
                grid.pairs.setdefault((iso, n), []).append({**cell, "partner": other})
    return grid


def _pair_rows(grid, iso, measure, tracked):
    """Every tracked pair of ``iso`` on a bilateral measure, rated or not."""
    rated = {p["partner"]: p for p in grid.pairs.get((iso, measure["number"]), [])}
    rows = []
    for other in sorted(tracked.get(iso, ())):
        cell = rated.get(other)
        rows.append(
            {
                "partner": other,
                "level": cell["level"] if cell else NO_EVIDENCE,
                "effective_on": cell["effective_on"] if cell else None,
                "effective_precision": cell.get("effective_precision") if cell else None,
                "evidence_count": cell["evidence_count"] if cell else 0,
            }
        )
    return rows


def tracked_pairs(countries=()):
    """Each country's tracked partners: of every country, or of ``countries``
    only, so that one country's card does not read every pair there is."""
    rows = CountryPair.objects.all()
    if countries:
        rows = rows.filter(Q(country_id__in=countries) | Q(partner_id__in=countries))
    pairs = {}
    for a, b in rows.values_list("country_id", "partner_id"):
        pairs.setdefault(a, set()).add(b)
        pairs.setdefault(b, set()).add(a)
    return pairs


def measure_entry(grid, iso, measure, tracked):
    """A country's standing on one measure: level, value, date, evidence, pairs."""
    if measure["scope"] != Scope.BILATERAL:
        cell = grid.cells.get((iso, measure["number"]))
        level = cell["level"] if cell else NO_EVIDENCE
        return {
            "measure": measure["number"],
            "level": level,
            "value": WEIGHTS.get(level),
            "effective_on": cell["effective_on"] if cell else None,
            "effective_precision": cell.get("effective_precision") if cell else None,
            "evidence_count": cell["evidence_count"] if cell else 0,
        }
    pairs = _pair_rows(grid, iso, measure, tracked)
    weights = [WEIGHTS[p["level"]] for p in pairs if p["level"] in WEIGHTS]
    levels = {p["level"] for p in pairs if p["level"] in WEIGHTS}
    if not weights:
        level = (
            Level.NOT_APPLICABLE
            if any(p["level"] == Level.NOT_APPLICABLE for p in pairs)
            else NO_EVIDENCE
        )
    else:
        level = levels.pop() if len(levels) == 1 else MIXED
    # The latest pair's date, with that pair's precision.
    latest = max(
        (p for p in pairs if p["effective_on"]), key=lambda p: p["effective_on"], default=None
    )
    return {
        "measure": measure["number"],
        "level": level,
        "value": _round(sum(weights) / len(weights)) if weights else None,
        "effective_on": latest["effective_on"] if latest else None,
        "effective_precision": latest["effective_precision"] if latest else None,
        "evidence_count": sum(p["evidence_count"] for p in pairs),
        "pairs": pairs,
    }


def summarise(entries):
    values = [e["value"] for e in entries if e["value"] is not None]
    counts = dict.fromkeys(COUNTED_LEVELS, 0)
    for e in entries:
        counts[e["level"]] += 1
    return {
        "score": _round(sum(values) / len(values)) if values else None,
        "rated": len(values),
        "unrated": counts[NO_EVIDENCE],
        "counts": counts,
    }


def _country_rows(grid, tracked):
    for country in grid.countries:
        iso = country["iso2"]
        entries = [measure_entry(grid, iso, m, tracked) for m in grid.measures]
        yield country, entries


# --- the scorecards ---------------------------------------------------------


def countries_scorecard(viewer, as_of=None, filters=Filters(), compare_to=None):
    """One row per country: score, counts per level, rated/unrated, last evidence, trend."""
    tracked = tracked_pairs()
    grid = build_grid(viewer, as_of, filters)
    then = {}
    if compare_to is not None:
        past = build_grid(viewer, compare_to, filters)
        then = {c["iso2"]: summarise(e)["score"] for c, e in _country_rows(past, tracked)}
    rows = []
    for country, entries in _country_rows(grid, tracked):
        summary = summarise(entries)
        row = {
            "country": country["iso2"],
            "name_en": country["name_en"],
            "name_fr": country["name_fr"],
            **summary,
            "last_evidence_on": grid.last_evidence.get(country["iso2"]),
        }
        if compare_to is not None:
            before = then.get(country["iso2"])
            row["trend"] = {
                "compare_to": compare_to,
                "score": before,
                "delta": _round(summary["score"] - before)
                if None not in (summary["score"], before)
                else None,
            }
        rows.append(row)
    return {"as_of": as_of, "compare_to": compare_to, "results": rows}


def country_scorecard(viewer, iso, as_of=None, filters=Filters(), compare_to=None):
    """One country's measures with level, date, evidence count and partner cells."""
    tracked = tracked_pairs([iso])
    scoped = Filters(
        **{**filters.__dict__, "countries": (iso,), "initiative": None, "region": None}
    )
    grid = build_grid(viewer, as_of, scoped)
    if not grid.countries:
        return None
    country = grid.countries[0]
    titles = {m["number"]: m for m in grid.measures}
    entries = [measure_entry(grid, iso, m, tracked) for m in grid.measures]
    for e in entries:
        measure = titles[e["measure"]]
        e.update(
            title_en=measure["title_en"],
            title_fr=measure["title_fr"],
            scope=measure["scope"],
            domain=measure["domain"],
        )
    result = {
        "as_of": as_of,
        "country": iso,
        "name_en": country["name_en"],
        "name_fr": country["name_fr"],
        **summarise(entries),
        "last_evidence_on": grid.last_evidence.get(iso),
        "measures": entries,
    }
    if compare_to is not None:
        past = build_grid(viewer, compare_to, scoped)
        before = summarise([measure_entry(past, iso, m, tracked) for m in past.measures])["score"]
        result["trend"] = {
            "compare_to": compare_to,
            "score": before,
            "delta": _round(result["score"] - before)
            if None not in (result["score"], before)
            else None,
        }
    return result


def measure_scorecard(viewer, number, as_of=None, filters=Filters(), compare_to=None):
    """Every selected country (and, for bilateral measures, pair) on one measure."""
    tracked = tracked_pairs()
    scoped = Filters(**{**filters.__dict__, "measures": (number,), "domain": None, "scope": None})
    grid = build_grid(viewer, as_of, scoped)
    if not grid.measures:
        return None
    measure = grid.measures[0]
    past = build_grid(viewer, compare_to, scoped) if compare_to is not None else None
    rows = []
    for country in grid.countries:
        row = {
            "country": country["iso2"],
            "name_en": country["name_en"],
            "name_fr": country["name_fr"],
            **measure_entry(grid, country["iso2"], measure, tracked),
        }
        row.pop("measure")
        if past is not None:
            before = measure_entry(past, country["iso2"], measure, tracked)
            row["trend"] = {
                "compare_to": compare_to,
                "level": before["level"],
                "value": before["value"],
            }
        rows.append(row)
    return {
        "as_of": as_of,
        "measure": number,
        "title_en": measure["title_en"],
        "title_fr": measure["title_fr"],
        "scope": measure["scope"],
        "domain": measure["domain"],
        "results": rows,
    }


def initiative_scorecard(viewer, slug, as_of=None, filters=Filters(), compare_to=None):
    """The initiative's members at the date, scored on the measures it carries."""
    initiative = (
        Initiative.objects.visible_to(viewer)
        .filter(slug=slug)
        .values("id", "slug", "name_en", "name_fr")
        .first()
    )
    if initiative is None:
        return None
    carried = tuple(
        Measure.objects.filter(carriers__initiative_id=initiative["id"]).values_list(
            "number", flat=True
        )
    )
    wanted = tuple(n for n in carried if not filters.measures or n in filters.measures)
    roles = dict(visible_memberships(viewer, slug, as_of).values_list("country_id", "role"))
    scoped = Filters(**{**filters.__dict__, "initiative": slug, "measures": wanted or (0,)})
    card = countries_scorecard(viewer, as_of, scoped, compare_to)
    for row in card["results"]:
        row["role"] = roles.get(row["country"])
    return {
        **card,
        "initiative": slug,
        "name_en": initiative["name_en"],
        "name_fr": initiative["name_fr"],
        "measures": list(wanted),
    }


def matrix(viewer, as_of=None, filters=Filters(), compare_to=None):
    """The whole countries × measures matrix in one response."""
    tracked = tracked_pairs()
    grid = build_grid(viewer, as_of, filters, with_evidence=False)
    then = {}
    if compare_to is not None:
        past = build_grid(viewer, compare_to, filters, with_evidence=False)
        then = {c["iso2"]: summarise(e)["score"] for c, e in _country_rows(past, tracked)}
    rows = []
    for country, entries in _country_rows(grid, tracked):
        summary = summarise(entries)
        row = {
            "country": country["iso2"],
            "score": summary["score"],
            "cells": [
                {
                    "measure": e["measure"],
                    "level": e["level"],
                    "value": e["value"],
                    "effective_on": e["effective_on"],
                }
                for e in entries
            ],
        }
        if compare_to is not None:
            row["score_then"] = then.get(country["iso2"])
        rows.append(row)
    return {
        "as_of": as_of,
        "compare_to": compare_to,
        "measures": [
            {
                "number": m["number"],
                "title_en": m["title_en"],
                "scope": m["scope"],
                "domain": m["domain"],
            }
            for m in grid.measures
        ],
        "results": rows,
    }


# --- for the web pages (measures/pages/, countries/pages/) -----------------------


def heatmap(viewer, as_of=None, filters=Filters()):
    """The matrix with what the overview page shows besides: each country's
    pair cells on bilateral measures and evidence counts. Same queries as
    ``matrix`` (the pairs and counts are already in the grid)."""
    tracked = tracked_pairs()
    grid = build_grid(viewer, as_of, filters)
    rows = []
    for country, entries in _country_rows(grid, tracked):
        rows.append({**country, **summarise(entries), "cells": entries})
    return {"as_of": as_of, "measures": grid.measures, "results": rows}


# What ``score_series`` reads of each assessment when the ledger is listening.
NOTED = {
    "noted_id": F("public_id"),
    "noted_marking": F("marking_id"),
    "noted_level": F("marking__level"),
}


def score_series(viewer, iso, until=None, filters=Filters()):
    """A country's score at the end of each year, from the year of its first
    visible assessment to ``until`` (default today), and at ``until`` itself.

    Three queries whatever the number of dates: the measures, the tracked
    pairs, and one read of the country's visible, non-retracted assessments up
    to ``until``. The levels at each date are then replayed in Python with the
    order ``latest_assessments`` uses (effective_on, recorded_at, id), so each
    point equals ``country_scorecard(viewer, iso, as_of=date)["score"]``.
    """
    until = until or datetime.date.today()
    noted = disclosures.is_collecting()
    tracked = tracked_pairs()
    measures = select_measures(filters)
    number = {m["id"]: m["number"] for m in measures}
    rows = list(
        Assessment.objects.visible_to(viewer)
        .filter(retracted=False, effective_on__lte=until)
        .filter(_cell_filter("cell__", [iso], list(number)))
        .order_by("effective_on", "recorded_at", "id")
        .values(
            "cell_id",
            "level",
            "effective_on",
            measure_id=F("cell__measure_id"),
            iso=F("cell__country_id"),
            partner=F("cell__partner_id"),
            **(NOTED if noted else {}),
        )
    )
    if noted:
        # Each point is a score over these assessments' levels.
        disclosures.note(
            ("measures.assessment", disclosures.handle(r["noted_id"]), r["noted_marking"], level)
            for r in rows
            if (level := r["noted_level"]) != disclosures.PUBLIC
        )
    if not rows:
        return []
    first_year = rows[0]["effective_on"].year
    dates = [datetime.date(year, 12, 31) for year in range(first_year, until.year)] + [until]
    current, index, points = {}, 0, []
    for day in dates:
        while index < len(rows) and rows[index]["effective_on"] <= day:
            current[rows[index]["cell_id"]] = rows[index]
            index += 1
        grid = Grid(as_of=day, measures=measures, countries=[{"iso2": iso}])
        for row in current.values():
            cell = {
                "level": row["level"],
                "effective_on": row["effective_on"],
                "evidence_count": 0,
            }
            n = number[row["measure_id"]]
            if row["partner"] is None:
                grid.cells[(iso, n)] = cell
            else:
                other = row["partner"] if row["iso"] == iso else row["iso"]
                grid.pairs.setdefault((iso, n), []).append({**cell, "partner": other})
        summary = summarise([measure_entry(grid, iso, m, tracked) for m in measures])
        points.append({"date": day, "score": summary["score"], "rated": summary["rated"]})
    return points
