"""The countries: their list, and a country's page (its measures, score over
time, evidence, initiatives and indicators)."""

import itertools

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from countries.models import Country, Initiative, Membership
from measures.access import viewer_for
from measures.audit import disclosures
from measures.models import Cell, Evidence, Indicator, Observation
from measures.pages.common import (
    Table,
    cell_links,
    csv_download,
    linked_row,
    read_as_of,
    readable,
)
from measures.pages.history import what_changed
from measures.pages.indicators import indicator_chart, indicator_tables
from measures.pages.tables import SortedTable, country_names, score_columns, with_coverage
from measures.reads import charts, scorecards
from measures.reads.labels import (
    dated,
    grade_explained,
    highest_marking,
    localized,
)
from measures.reads.ordering import Column, Order, name_key
from measures.reads.scorecards import Filters
from measures.reads.worklist import cadences

# The country list's CSV: names first, codes beside, the score with its coverage.
COUNTRY_COLUMNS = [
    "name",
    "iso2",
    "iso3",
    "regions",
    "score",
    "rated",
    "applicable",
    "low_coverage",
]
# The evidence timeline of a page shows at most this many items (newest first).
EVIDENCE_LIMIT = 200


@readable
def country_list(request):
    viewer = viewer_for(request.user)
    as_of = read_as_of(request)
    with disclosures.noting() as levels:
        card = scorecards.countries_scorecard(viewer, as_of)
    scores = {r["country"]: r for r in card["results"]}
    rows = [
        with_coverage(
            {
                **scores[c.iso2],
                "iso2": c.iso2,
                "iso3": c.iso3,
                "name": localized(c, "name"),
                "names": (c.name_en, c.name_fr),
                "regions": [localized(r, "name") for r in c.regions.all()],
            }
        )
        for c in Country.objects.prefetch_related("regions")
    ]
    table = SortedTable(
        request,
        rows,
        [
            Column("name", _("Country"), lambda r: name_key(r["name"])),
            Column("code", _("Code"), lambda r: r["iso2"]),
            *score_columns(),
        ],
        Order("name"),
        lambda r: (*r["names"], r["iso2"], r["iso3"], *r["regions"]),
        anchor="countries",
    )
    download = Table(
        "countries",
        COUNTRY_COLUMNS,
        [
            (r["name"], r["iso2"], r["iso3"], "; ".join(r["regions"]), r["score"])
            + (r["rated"], r["applicable"], r["low_coverage"])
            for r in table.rows
        ],
        releases=levels,
    )
    if response := csv_download(request, [download], "countries"):
        return response
    return render(request, "countries/country_list.html", {"table": table, "as_of": as_of})


@readable
def country_detail(request, iso2):
    viewer = viewer_for(request.user)
    country = get_object_or_404(Country.objects.prefetch_related("regions"), pk=iso2.upper())
    iso = country.iso2
    as_of = read_as_of(request)
    with disclosures.noting() as levels:
        card = scorecards.country_scorecard(viewer, iso, as_of)
    with disclosures.noting() as scored:
        series = scorecards.score_series(viewer, iso, until=as_of)
    measures = _measures_sorted(request, _measure_rows(card, cell_links(codes=[iso]), iso, as_of))
    evidence = _country_evidence(request.user, iso, as_of)
    memberships = list(
        Membership.objects.visible_to(request.user)
        .filter(country_id=iso, initiative__in=Initiative.objects.visible_to(request.user))
        .select_related("initiative__marking", "marking")
        .order_by("start", "initiative__slug")
    )
    indicator_charts = _indicator_charts(country)
    name = localized(country, "name")
    changes, changes_table = what_changed(request, as_of, lambda *_: Filters(countries=(iso,)))
    tables = [
        _measures_table(measures.rows, levels),
        changes_table,
        Table(
            "score",
            ["date", "score", "rated"],
            [(p["date"], p["score"], p["rated"]) for p in series],
            releases=scored,
        ),
        _country_evidence_table(evidence),
        _memberships_table(memberships),
        *indicator_tables(indicator_charts),
    ]
    if response := csv_download(request, tables, f"country-{iso}"):
        return response
    for e in evidence:
        e.measure_numbers = sorted({c.measure.number for c in e.cells.all()})
        e.grade = grade_explained(e.source_reliability, e.information_credibility)
    return render(
        request,
        "countries/country_detail.html",
        {
            "country": country,
            "name": name,
            "as_of": as_of,
            "card": with_coverage(card),
            "measures": measures,
            "series": series,
            "score_chart": _score_chart(name, series),
            "changes": changes,
            "evidence": evidence,
            "evidence_limit": EVIDENCE_LIMIT,
            "memberships": memberships,
            "indicator_charts": indicator_charts,
            "page_marking": highest_marking(
                [e.marking for e in evidence] + [m.marking for m in memberships]
            ),
        },
    )


def _measure_rows(card, links, iso, as_of):
    """The country's measures with their titles, links to their cells and due state."""
    cadence = cadences()
    rows = []
    for entry in card["measures"]:
        row = linked_row(entry, links, entry["measure"], iso, as_of, cadence[entry["measure"]])
        rows.append({**row, "title": localized(entry, "title")})
    return rows


def _measures_sorted(request, rows):
    """The measures table by number, sortable and filterable; a bilateral
    measure's pairs stay under it, each partner named (code beside)."""
    names = country_names()
    for row in rows:
        for p in row["pairs"]:
            p["partner_name"] = names.get(p["partner"], p["partner"])
    return SortedTable(
        request,
        rows,
        [
            Column("number", "#", lambda r: r["measure"]),
            Column("title", _("Measure"), lambda r: name_key(r["title"])),
            Column("level", _("Level"), lambda r: r["value"], descending_first=True),
            Column("date", _("Effective date"), lambda r: r["effective_on"], descending_first=True),
            Column("evidence", _("Evidence"), lambda r: r["evidence_count"], descending_first=True),
        ],
        Order("number"),
        lambda r: (str(r["measure"]), r["title"], *(p["partner_name"] for p in r["pairs"])),
        anchor="measures",
    )


def _indicator_charts(country):
    """A chart per indicator observed in the country, of its observations there."""
    iso = country.iso2
    indicators = (
        Indicator.objects.filter(observations__country_id=iso)
        .distinct()
        .prefetch_related(
            Prefetch("observations", queryset=Observation.objects.filter(country_id=iso))
        )
        .order_by("slug")
    )
    return [indicator_chart(i, country=country) for i in indicators]


def _country_evidence(user, iso, as_of):
    """The evidence about the country (or a pair it is in) the user may see, known
    by the as-of date, newest first."""
    ids = (
        Evidence.objects.visible_to(user)
        .filter(Q(cells__country_id=iso) | Q(cells__partner_id=iso))
        .values("pk")
        .distinct()
    )
    if as_of is not None:
        ids = ids.filter(occurred_on__lte=as_of)
    return list(
        Evidence.objects.filter(pk__in=ids)
        .select_related("source", "marking")
        .prefetch_related(
            Prefetch(
                "cells",
                queryset=Cell.objects.select_related("measure").order_by("measure__number"),
            )
        )
        .order_by("-occurred_on", "-id")[:EVIDENCE_LIMIT]
    )


def _score_chart(name, series):
    """The country's score at the end of each year, as an SVG line chart."""
    points = ", ".join(
        f"{dated(p['date'])} " + ("—" if p["score"] is None else f"{round(p['score'] * 100)} %")
        for p in series
    )
    return charts.line_chart(
        "score-trend",
        [(_("score"), [(p["date"], p["score"]) for p in series])],
        title=_("Score of %(country)s over time") % {"country": name},
        desc=_("Score at the end of each year: %(points)s.") % {"points": points or _("none")},
        y_min=0,
        y_max=1,
        percent=True,
    )


def _measures_table(measures, levels):
    """A line per measure, then one per partner of a bilateral measure
    (``levels``: the assessments the scorecard noted)."""
    return Table(
        "measures",
        [
            "measure",
            "title",
            "scope",
            "partner_name",
            "partner",
            "level",
            "value",
            "effective_on",
            "overdue",
            "evidence_count",
        ],
        itertools.chain.from_iterable(
            [
                (
                    m["measure"],
                    m["title"],
                    m["scope"],
                    None,
                    None,
                    m["level"],
                    m["value"],
                    m["effective_on"],
                    m["overdue"],
                    m["evidence_count"],
                ),
                *[
                    (
                        m["measure"],
                        m["title"],
                        m["scope"],
                        p["partner_name"],
                        p["partner"],
                        p["level"],
                        None,
                        p["effective_on"],
                        p["overdue"],
                        p["evidence_count"],
                    )
                    for p in m["pairs"]
                ],
            ]
            for m in measures
        ),
        releases=levels,
    )


def _country_evidence_table(evidence):
    return Table(
        "evidence",
        [
            "id",
            "occurred_on",
            "precision",
            "summary",
            "source",
            "locator",
            "grade",
            "direction",
            "measures",
            "marking",
            "retracted",
        ],
        [
            (
                e.public_id,
                e.occurred_on,
                e.occurred_precision,
                localized(e, "summary"),
                e.source.key,
                e.locator,
                e.reliability,
                e.direction,
                " ".join(sorted({str(c.measure.number) for c in e.cells.all()})),
                str(e.marking),
                e.retracted,
            )
            for e in evidence
        ],
        releases=evidence,
    )


def _memberships_table(memberships):
    return Table(
        "initiatives",
        ["initiative", "name", "role", "start", "end", "marking"],
        [
            (
                m.initiative.slug,
                localized(m.initiative, "name"),
                m.role,
                m.start,
                m.end,
                str(m.marking) if m.marking else "",
            )
            for m in memberships
        ],
        releases=[*memberships, *{m.initiative for m in memberships}],
    )
