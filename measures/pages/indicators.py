"""Indicator charts and their tables, shown on the measure and the country pages."""

import itertools

from django.utils import timezone
from django.utils.translation import gettext as _

from measures.reads import charts
from measures.reads.labels import dated, localized

from .common import Table


def indicator_chart(indicator, measure=None, country=None):
    """One indicator's observations as an SVG line chart, per country (or region-wide)."""
    observations = [
        o for o in indicator.observations.all() if country is None or o.country_id == country.iso2
    ]
    observations.sort(key=lambda o: (o.country_id or "", o.observed_on))
    series = []
    for iso, items in itertools.groupby(observations, key=lambda o: o.country_id):
        series.append(
            (
                iso or _("region-wide"),
                [(o.observed_on, o.value, dated(o.observed_on, o.precision)) for o in items],
            )
        )
    name = localized(indicator, "name")
    target = baseline = start = end = None
    if measure is not None and measure.target_value is not None:
        target = (_("target"), measure.target_value)
        if measure.baseline_value is not None:
            baseline = (_("baseline"), measure.baseline_value)
        start = measure.baseline_on
        end = max([o.observed_on for o in observations] + [timezone.localdate()])
    svg = charts.line_chart(
        f"indicator-{indicator.slug}",
        series,
        title=name,
        desc=_chart_description(indicator, name, series, measure if target else None),
        y_label=localized(indicator, "unit"),
        decimals=1 if any(o.value % 1 for o in observations) else 0,
        target=target,
        baseline=baseline,
        start=start,
        end=end,
        percent=False,
        y_min=0,
    )
    return {
        "indicator": indicator,
        "name": name,
        "unit": localized(indicator, "unit"),
        "description": localized(indicator, "description"),
        "svg": svg,
        "observations": observations,
    }


def _chart_description(indicator, name, series, measure):
    """The chart's figures in words, for screen readers (with the measure's target
    when the chart draws one)."""
    unit = localized(indicator, "unit")
    figures = "; ".join(
        f"{label}: " + ", ".join(f"{when} {v} {unit}" for _day, v, when in data)
        for label, data in series
    )
    desc = _("%(name)s (%(unit)s). Observations: %(figures)s.") % {
        "name": name,
        "unit": unit,
        "figures": figures or _("none"),
    }
    if measure is not None:
        desc += " " + _("Target: %(target)s %(unit)s; baseline %(baseline)s %(unit)s.") % {
            "target": measure.target_value,
            "baseline": measure.baseline_value,
            "unit": localized(measure, "unit"),
        }
    return desc


def indicator_tables(charts_shown, *, by_country=False):
    """One table per indicator chart: its observations (with the country when a
    page shows several countries' series)."""
    columns = ["indicator", *(["country"] if by_country else []), "observed_on"]
    return [
        Table(
            f"indicator-{c['indicator'].slug}",
            [*columns, "precision", "value", "unit", "note"],
            [
                (
                    c["indicator"].slug,
                    *([o.country_id] if by_country else []),
                    o.observed_on,
                    o.precision,
                    o.value,
                    c["unit"],
                    localized(o, "note"),
                )
                for o in c["observations"]
            ],
            releases=(),  # indicators and observations are public reference data
        )
        for c in charts_shown
    ]
