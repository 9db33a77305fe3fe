"""Two to four countries side by side: their levels on every measure, their
scores with coverage, and their scores over time (``/compare/?c=DZ&c=MA``)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from measures.audit import disclosures
from measures.pages.common import Table, csv_download, readable
from measures.pages.history import CompareForm
from measures.reads import charts
from measures.reads.history import compare_countries
from measures.reads.labels import localized


@readable
def compare(request):
    asked = "c" in request.GET or "as_of" in request.GET
    form = CompareForm(request.GET if asked else None)
    chosen = [request.GET["with"].upper()] if "with" in request.GET else []
    context = {"form": form, "comparison": None, "as_of": None}
    if asked and form.is_valid():
        chosen = form.cleaned_data["c"]
        as_of = form.cleaned_data["as_of"]
        with disclosures.noting() as levels:  # behind both tables' levels and scores
            comparison = compare_countries(request.user, chosen, as_of)
        for country in comparison["countries"]:
            country["name"] = localized(country, "name")
        for measure in comparison["measures"]:
            measure["title"] = localized(measure, "title")
        tables = _tables(comparison, levels)
        if response := csv_download(request, tables, "compare"):
            return response
        context.update(
            comparison=comparison,
            as_of=as_of,
            chart=_chart(comparison["countries"]),
            series_rows=tables[1].rows,
        )
    elif asked:
        chosen = form.data.getlist("c")
    context["slots"] = form.slots(chosen)
    status = 400 if asked and not form.is_valid() else 200
    return render(request, "countries/compare.html", context, status=status)


def _tables(comparison, noted):
    """The levels (a line per measure) and the scores over time (a line per
    date), downloadable as CSV; both release ``noted``, the assessments
    the comparison noted."""
    countries = comparison["countries"]
    codes = [c["iso2"] for c in countries]
    levels = Table(
        "levels",
        ["measure", "title", *codes],
        [
            (m["number"], m["title"], *(entry["level"] for entry in m["levels"]))
            for m in comparison["measures"]
        ],
        releases=noted,
    )
    by_date = {}
    for index, country in enumerate(countries):
        for point in country["series"]:
            by_date.setdefault(point["date"], [None] * len(countries))[index] = point["score"]
    series = Table(
        "scores",
        ["date", *codes],
        [(day, *scores) for day, scores in sorted(by_date.items())],
        releases=noted,
    )
    return [levels, series]


def _chart(countries):
    """The countries' scores at the end of each year, one line each, named at its end."""
    desc = "; ".join(
        f"{c['name']}: "
        + (
            ", ".join(
                f"{p['date'].isoformat()} "
                + ("—" if p["score"] is None else f"{round(p['score'] * 100)} %")
                for p in c["series"]
            )
            or _("none")
        )
        for c in countries
    )
    return charts.line_chart(
        "compare-trend",
        [(c["iso2"], [(p["date"], p["score"]) for p in c["series"]]) for c in countries],
        title=pgettext("history", "Scores over time: %(countries)s")
        % {"countries": ", ".join(c["name"] for c in countries)},
        desc=desc,
        y_min=0,
        y_max=1,
        percent=True,
        end_labels=True,
    )
