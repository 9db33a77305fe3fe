"""The measures: their list, and a measure's page (countries, initiatives that
carry it, history, indicator charts)."""

import itertools

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from measures.access import viewer_for
from measures.choices import Scope
from measures.models import Assessment, CarriedMeasure, Indicator, Measure, Source
from measures.reads import scorecards
from measures.reads.labels import highest_marking, localized
from measures.reads.worklist import cadences

from .common import (
    Table,
    cell_links,
    csv_download,
    linked_row,
    read_as_of,
    readable,
)
from .indicators import indicator_chart, indicator_tables

# The history of a measure lists at most this many assessments (newest first).
HISTORY_LIMIT = 500
# The largest measure number the database holds (a smallint): larger is a 404.
LARGEST_NUMBER = 32767


@readable
def measure_list(request):
    measures = list(Measure.objects.order_by("number"))
    table = Table(
        "measures",
        ["number", "title", "domain", "scope"],
        [(m.number, localized(m, "title"), m.domain, m.scope) for m in measures],
    )
    if response := csv_download(request, [table], "measures"):
        return response
    return render(request, "measures/measure_list.html", {"measures": measures})


@readable
def measure_detail(request, number):
    viewer = viewer_for(request.user)
    if number > LARGEST_NUMBER:
        raise Http404
    measure = get_object_or_404(Measure, number=number)
    as_of = read_as_of(request)
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
    charts_shown = [indicator_chart(i, measure) for i in indicators]
    tables = _measure_tables(rows, carriers, history, charts_shown)
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
            "rows": rows,
            "carriers": carriers,
            "history": history,
            "charts": charts_shown,
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


def _measure_tables(rows, carriers, history, charts_shown):
    """The page's tables, downloadable as CSV."""
    return [
        Table(
            "countries",
            ["country", "name", "partner", "level", "value", "effective_on", "evidence_count"],
            itertools.chain.from_iterable(_country_lines(r) for r in rows),
        ),
        Table(
            "initiatives",
            ["initiative", "name", "note"],
            [
                (c.initiative.slug, localized(c.initiative, "name"), localized(c, "note"))
                for c in carriers
            ],
        ),
        Table(
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
        ),
        *indicator_tables(charts_shown, by_country=True),
    ]


def _country_lines(row):
    """A country's line of the countries table, then one line per partner."""
    name, iso = row["name"], row["country"]
    return [
        (iso, name, None, row["level"], row["value"], row["effective_on"], row["evidence_count"]),
        *[
            (iso, name, p["partner"], p["level"], None, p["effective_on"], p["evidence_count"])
            for p in row["pairs"]
        ],
    ]
