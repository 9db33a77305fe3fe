"""The overview (countries × measures, the heat map) and how scores work."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from countries.models import Country
from measures.access import viewer_for
from measures.audit import disclosures
from measures.choices import WEIGHTS
from measures.reads import exports, scorecards
from measures.reads.labels import (
    LEGEND_ORDER,
    is_overdue,
    legend,
    level_initials,
    level_label,
    localized,
)
from measures.reads.worklist import cadences

from .common import Table, cell_links, cell_url, csv_download, pair_key, readable
from .forms import FilterForm

# Countries per page of the heat map (a 200 × 200 matrix stays fast: only one
# page of rows is computed, in a fixed number of queries).
PAGE_SIZE = 50
# Measure columns per page: the score column still covers every selected measure.
COLUMNS_PER_PAGE = 50
# Region groups of the heat map, in this order; a country in several regions
# (Mauritania: Maghreb and Sahel) is listed under the first.
REGION_ORDER = ["maghreb", "sahel", "west_africa", "mashreq", "europe", "north_america"]
REGION_RANK = {code: i for i, code in enumerate(REGION_ORDER)}


@readable
def overview(request):
    viewer = viewer_for(request.user)
    form = FilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    as_of = data.get("as_of")
    filters = scorecards.Filters(
        region=data.get("region") or None,
        initiative=data.get("initiative") or None,
        domain=data.get("domain") or None,
    )
    if request.GET.get("format") == "csv":
        with disclosures.noting() as levels:
            card = scorecards.matrix(viewer, as_of, filters)
        table = exports.matrix_table(card)
        heatmap = Table("heatmap", table["columns"], table["rows"], releases=levels)
        return csv_download(request, [heatmap], "overview")
    countries = scorecards.select_countries(viewer, filters, as_of)
    regions = RegionGroups(form.regions)
    countries.sort(key=regions.sort_key)
    paginator = Paginator(countries, PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    groups, measures, column_page = _heatmap(
        viewer, as_of, filters, page, data.get("columns"), regions
    )
    for m in measures:
        m["title"] = localized(m, "title")
    return render(
        request,
        "measures/overview.html",
        {
            "form": form,
            "as_of": as_of,
            "filters": filters,
            "groups": groups,
            "measures": measures,
            "page": page,
            "column_page": column_page,
            "paginator": paginator,
            "legend": legend(),
            "country_count": len(countries),
        },
    )


class RegionGroups:
    """The region group each country of the heat map is listed under (the first
    of its regions in REGION_ORDER), and the groups' names."""

    def __init__(self, regions):
        self.names = {r.code: localized(r, "name") for r in regions}
        self.memberships = {}
        for iso, code in Country.regions.through.objects.values_list("country_id", "region_id"):
            self.memberships.setdefault(iso, []).append(code)

    def group_of(self, iso):
        codes = sorted(self.memberships.get(iso, []), key=lambda c: (REGION_RANK.get(c, 99), c))
        return codes[0] if codes else ""

    def sort_key(self, country):
        group = self.group_of(country["iso2"])
        return (REGION_RANK.get(group, 99), group, localized(country, "name"))


def _heatmap(viewer, as_of, filters, page, column_number, regions):
    """The rows of one page of countries, grouped by region, on one page of measure
    columns: (groups, measures shown, page of columns)."""
    codes = tuple(c["iso2"] for c in page.object_list)
    if not codes:
        return [], scorecards.select_measures(filters), None
    card = scorecards.heatmap(
        viewer, as_of, scorecards.Filters(countries=codes, domain=filters.domain)
    )
    column_page = Paginator(card["measures"], COLUMNS_PER_PAGE).get_page(column_number or 1)
    first = (column_page.number - 1) * COLUMNS_PER_PAGE
    shown = slice(first, first + COLUMNS_PER_PAGE)
    measures = card["measures"][shown]
    for m in measures:
        m["short"] = localized(m, "short_title")
    links = cell_links(codes, [m["number"] for m in measures])
    rows = {r["iso2"]: r for r in card["results"]}
    cadence = cadences()
    groups = []
    for country in page.object_list:
        row = rows[country["iso2"]]
        group = regions.group_of(country["iso2"])
        if not groups or groups[-1]["code"] != group:
            groups.append({"code": group, "name": regions.names.get(group, _("other")), "rows": []})
        row = {**row, "cells": row["cells"][shown]}
        groups[-1]["rows"].append(
            {
                **_heatmap_row(row, measures, links, cadence, as_of, also=regions.memberships),
                # Coverage counts every selected measure, like the score.
                "of": len(card["measures"]),
            }
        )
    return groups, measures, column_page


def _heatmap_row(row, measures, links, cadence, as_of, also):
    iso, name = row["iso2"], localized(row, "name")
    cells = []
    for measure, entry in zip(measures, row["cells"], strict=True):
        n, level = measure["number"], entry["level"]
        text = _("%(country)s, measure %(n)s: %(level)s") % {
            "country": name,
            "n": n,
            "level": level_label(level),
        }
        if entry["effective_on"]:
            text += " " + _("(since %(date)s)") % {"date": entry["effective_on"].isoformat()}
        cell = {
            "number": n,
            # The short name labels the cell when the map reads as cards (phones).
            "short": measure["short"],
            "level": level,
            "initials": level_initials(level),
            "label": text,
            "overdue": is_overdue(level, entry["effective_on"], cadence[n], as_of),
        }
        if "pairs" in entry:
            cell["pairs"] = [
                {
                    "partner": p["partner"],
                    "level": p["level"],
                    "initials": level_initials(p["level"]),
                    "label": level_label(p["level"]),
                    "url": cell_url(links.get(pair_key(n, iso, p["partner"])), as_of),
                }
                for p in entry["pairs"]
            ]
            cell["url"] = reverse("country", args=[iso]) + f"#measure-{n}"
        else:
            cell["url"] = cell_url(links.get((n, iso, None)), as_of)
        cells.append(cell)
    return {
        "iso": iso,
        "name": name,
        "score": row["score"],
        "rated": row["rated"],
        "cells": cells,
        "regions": also.get(iso, []),
    }


def how_scores_work(request):
    scale = [
        {
            "level": level,
            "label": level_label(level),
            "initials": level_initials(level),
            "weight": WEIGHTS.get(level),
        }
        for level in LEGEND_ORDER
    ]
    return render(
        request,
        "measures/how_scores_work.html",
        {"scale": scale, "cadences": sorted(set(cadences().values()))},
    )
