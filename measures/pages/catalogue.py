"""The measures: their list, and a measure's page (countries, initiatives that
carry it, history, indicator charts)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from measures.access import viewer_for
from measures.audit import disclosures
from measures.choices import WEIGHTS, Scope
from measures.models import Assessment, CarriedMeasure, Indicator, Measure, Source
from measures.reads import scorecards
from measures.reads.coverage import measure_coverage
from measures.reads.labels import highest_marking, localized
from measures.reads.ordering import Column, Order, name_key
from measures.reads.scorecards import Filters, summarise
from measures.reads.worklist import cadences

from .common import (
    Table,
    cell_links,
    csv_download,
    linked_row,
    read_as_of,
    readable,
)
from .history import what_changed
from .indicators import indicator_chart, indicator_tables
from .tables import SortedTable, score_columns, with_coverage

# The pairs table of a bilateral measure's page, as CSV.
PAIR_COLUMNS = [
    "name",
    "country",
    "partner_name",
    "partner",
    "level",
    "value",
    "effective_on",
    "evidence_count",
    "overdue",
]
# The history of a measure lists at most this many assessments (newest first).
HISTORY_LIMIT = 500
# The largest measure number the database holds (a smallint): larger is a 404.
LARGEST_NUMBER = 32767


@readable
def measure_list(request):
    as_of = read_as_of(request)
    with disclosures.noting() as levels:
        scores = measure_coverage(scorecards.matrix(viewer_for(request.user), as_of))
    rows = [
        {
            **scores[m.number],
            "number": m.number,
            "title": localized(m, "title"),
            "titles": (m.title_en, m.title_fr, m.short_title_en, m.short_title_fr),
            "domain": m.domain,
            "domain_label": m.get_domain_display(),
            "scope": m.scope,
            "scope_label": m.get_scope_display(),
        }
        for m in Measure.objects.all()
    ]
    table = SortedTable(
        request,
        rows,
        [
            Column("number", "#", lambda r: r["number"]),
            Column("title", _("Measure"), lambda r: name_key(r["title"])),
            Column("domain", _("Domain"), lambda r: name_key(r["domain_label"])),
            Column("scope", _("Scope"), lambda r: name_key(r["scope_label"])),
            *score_columns(),
        ],
        Order("number"),
        lambda r: (str(r["number"]), *r["titles"], r["domain_label"], r["scope_label"]),
        anchor="measures",
    )
    download = Table(
        "measures",
        ["number", "title", "domain", "scope", "score", "rated", "applicable", "low_coverage"],
        [
            (r["number"], r["title"], r["domain"], r["scope"], r["score"])
            + (r["rated"], r["applicable"], r["low_coverage"])
            for r in table.rows
        ],
        releases=levels,
    )
    if response := csv_download(request, [download], "measures"):
        return response
    return render(request, "measures/measure_list.html", {"table": table, "as_of": as_of})


@readable
def measure_detail(request, number):
    viewer = viewer_for(request.user)
    if number > LARGEST_NUMBER:
        raise Http404
    measure = get_object_or_404(Measure, number=number)
    as_of = read_as_of(request)
    with disclosures.noting() as levels:
        card = scorecards.measure_scorecard(viewer, number, as_of)
    cite = Source.objects.visible_to(request.user).filter(pk=measure.cite_source_id).first()
    carriers = list(
        CarriedMeasure.objects.visible_to(request.user)
        .filter(measure=measure)
        .select_related("initiative__marking")
        .order_by("initiative__slug")
    )
    history = list(
        Assessment.objects.visible_to(request.user)
        .filter(cell__measure=measure)
        .select_related("cell", "marking", "recorded_by")
        .order_by("-effective_on", "-recorded_at", "-id")[:HISTORY_LIMIT]
    )
    indicators = list(
        Indicator.objects.filter(measure=measure).prefetch_related("observations").order_by("slug")
    )
    rows = _country_rows(card, cell_links(measure=measure), number, as_of)
    countries = _countries_table(request, rows)
    pairs = _pairs_table(request, rows)
    charts_shown = [indicator_chart(i, measure) for i in indicators]
    changes, changes_table = what_changed(request, as_of, lambda *_: Filters(measures=(number,)))
    tables = [
        *_measure_tables(countries.rows, pairs.rows, levels, carriers, history, charts_shown),
        changes_table,
    ]
    if response := csv_download(request, tables, f"measure-{number}"):
        return response
    return render(
        request,
        "measures/measure_detail.html",
        {
            "measure": measure,
            "as_of": as_of,
            "cite": cite,
            "card": card,
            "summary": with_coverage(summarise(card["results"])),
            "countries": countries,
            "pairs": pairs,
            "carriers": carriers,
            "history": history,
            "charts": charts_shown,
            "changes": changes,
            "is_bilateral": measure.scope == Scope.BILATERAL,
            "page_marking": highest_marking(
                [a.marking for a in history] + [c.initiative.marking for c in carriers]
            ),
        },
    )


def _country_rows(card, links, number, as_of):
    """The scorecard's countries by name, with links to their cells and due state."""
    cadence = cadences()[number]
    rows = []
    for r in card["results"]:
        row = linked_row(r, links, number, r["country"], as_of, cadence)
        rows.append({**row, "name": localized(r, "name")})
    return rows


def _level_columns():
    """Level (by its weight; not rated and not applicable last), date, evidence."""
    return [
        Column("level", _("Level"), lambda r: r["value"], descending_first=True),
        Column("date", _("Effective date"), lambda r: r["effective_on"], descending_first=True),
        Column("evidence", _("Evidence"), lambda r: r["evidence_count"], descending_first=True),
    ]


def _countries_table(request, rows):
    """One row per country, by name (codes beside), sortable and filterable."""
    return SortedTable(
        request,
        rows,
        [
            Column("name", _("Country"), lambda r: name_key(r["name"])),
            Column("code", _("Code"), lambda r: r["country"]),
            *_level_columns(),
        ],
        Order("name"),
        lambda r: (r["name"], r["country"]),
        anchor="countries",
    )


def _pairs_table(request, rows):
    """Each tracked pair once (in its stored order), with both countries' names."""
    names = {r["country"]: r["name"] for r in rows}
    pairs = {}
    for r in rows:
        for p in r["pairs"]:
            first, second = sorted((r["country"], p["partner"]))
            pairs.setdefault(
                (first, second),
                {
                    **p,
                    "country": first,
                    "partner": second,
                    "name": names.get(first, first),
                    "partner_name": names.get(second, second),
                    "value": WEIGHTS.get(p["level"]),
                },
            )
    return SortedTable(
        request,
        list(pairs.values()),
        [
            Column("pair", _("Pair"), lambda r: name_key(f"{r['name']} – {r['partner_name']}")),
            *_level_columns(),
        ],
        Order("pair"),
        lambda r: (r["name"], r["partner_name"], r["country"], r["partner"]),
        anchor="pairs",
        prefix="pairs-",
    )


def _measure_tables(countries, pairs, levels, carriers, history, charts_shown):
    """The page's tables, downloadable as CSV (in the order and filter shown);
    ``levels``: the assessments the scorecard noted."""
    return [
        Table(
            "countries",
            ["name", "country", "level", "value", "effective_on", "evidence_count", "overdue"],
            [
                (r["name"], r["country"], r["level"], r["value"], r["effective_on"])
                + (r["evidence_count"], r["overdue"])
                for r in countries
            ],
            releases=levels,
        ),
        Table(
            "pairs",
            PAIR_COLUMNS,
            [
                (r["name"], r["country"], r["partner_name"], r["partner"], r["level"])
                + (r["value"], r["effective_on"], r["evidence_count"], r["overdue"])
                for r in pairs
            ],
            releases=levels,
        ),
        Table(
            "initiatives",
            ["initiative", "name", "note"],
            [
                (c.initiative.slug, localized(c.initiative, "name"), localized(c, "note"))
                for c in carriers
            ],
            releases=[c.initiative for c in carriers],
        ),
        _history_table(history),
        *indicator_tables(charts_shown, by_country=True),
    ]


def _history_table(history):
    """The measure's assessments, newest first (at most ``HISTORY_LIMIT``)."""
    return Table(
        "history",
        [
            "cell",
            "level",
            "effective_on",
            "precision",
            "recorded_at",
            "recorded_by",
            "rationale",
            "marking",
            "retracted",
        ],
        [
            (
                a.cell.cell_label,
                a.level,
                a.effective_on,
                a.effective_precision,
                a.recorded_at,
                a.recorded_by.get_username(),
                localized(a, "rationale"),
                str(a.marking),
                a.retracted,
            )
            for a in history
        ],
        releases=history,
    )
