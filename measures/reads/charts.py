"""Server-rendered SVG charts: no JavaScript, no front-end build, nothing fetched.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and
``<desc>`` (the text alternative says what the chart shows, with the figures),
and every point or bar carries a ``<title>`` as a tooltip. Pages also show the
same figures in a table, downloadable as CSV.
"""

import datetime
import math
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from measures.reads.labels import dated

# Series colours, dark enough for 3:1 against white (graphics contrast, WCAG 1.4.11).
SERIES_COLOURS = ["#1f5aa6", "#a4401f", "#2e7d32", "#6a3d9a", "#8a6d00"]


def _num(value):
    return float(value) if isinstance(value, Decimal) else value


def _fmt(value, decimals):
    return number_format(value, decimal_pos=decimals, use_l10n=True)


def _days(day, origin):
    return (day - origin).days


def _nice_ticks(low, high, count=5):
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    span = high - low
    magnitude = 10 ** math.floor(math.log10(span / count))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if span / step <= count:
            break
    start = (low // step) * step
    ticks, value = [], start
    while value <= high + step / 2:
        ticks.append(round(value, 6))
        value += step
    return ticks


def line_chart(
    chart_id,
    series,
    *,
    title,
    desc,
    y_label="",
    y_min=None,
    y_max=None,
    decimals=0,
    percent=False,
    target=None,
    baseline=None,
    start=None,
    end=None,
    width=640,
    height=260,
    end_labels=False,
):
    """Lines over time. ``series``: [(label, [(date, value), ...]), ...]; a point may
    carry a third item, its date as text (say "2009" for a year-precision value).

    ``end_labels`` names each line at its last point, so that several lines
    read apart without their colours.

    ``target`` / ``baseline``: optional (label, value) drawn as horizontal rules.
    ``percent`` shows values 0..1 as 0..100 %.
    """
    points = [(p[0], _num(p[1])) for _, data in series for p in data if p[1] is not None]
    extra = [_num(rule[1]) for rule in (target, baseline) if rule is not None]
    if not points:
        return ""
    dates = [d for d, _ in points]
    first, last = start or min(dates), end or max(dates)
    if first == last:
        first, last = first - datetime.timedelta(days=180), last + datetime.timedelta(days=180)
    values = [v for _, v in points] + extra
    low = y_min if y_min is not None else min(0, min(values))
    high = y_max if y_max is not None else max(values)
    ticks = _nice_ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    left, right, top, bottom = 64, 16 + 28 * end_labels, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(_days(last, first), 1)

    def x(day):
        return left + plot_w * _days(day, first) / span

    def y(value):
        return top + plot_h * (1 - (value - low) / ((high - low) or 1))

    def label(value):
        return f"{_fmt(value * 100, decimals)} %" if percent else _fmt(value, decimals)

    out = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    for tick in ticks:
        ty = y(tick)
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(label(tick))}</text>"
        )
    years = last.year - first.year
    step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 10)
    for year in range(first.year, last.year + 1):
        day = datetime.date(year, 1, 1)
        if first <= day <= last and year % step == 0:
            tx = x(day)
            out.append(
                f'<line class="grid" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" '
                f'y2="{height - bottom}"/>'
                f'<text class="tick" x="{tx:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{year}</text>'
            )
    if y_label:
        out.append(f'<text class="axis-label" x="{left}" y="{height - 6}">{escape(y_label)}</text>')
    for rule, css in ((baseline, "baseline"), (target, "target")):
        if rule is None:
            continue
        ry = y(_num(rule[1]))
        out.append(
            f'<line class="{css}" x1="{left}" x2="{width - right}" y1="{ry:.1f}" '
            f'y2="{ry:.1f}"/><text class="{css}-label" x="{width - right - 4}" '
            f'y="{ry - 5:.1f}" text-anchor="end">{escape(rule[0])}: '
            f"{escape(label(_num(rule[1])))}</text>"
        )
    for index, (name, data) in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        data = [
            (p[0], _num(p[1]), p[2] if len(p) > 2 else dated(p[0]))
            for p in data
            if p[1] is not None
        ]
        if not data:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for i, (d, v, _when) in enumerate(data)
        )
        out.append(f'<path class="line" d="{path}" stroke="{colour}"/>')
        for d, v, when in data:
            out.append(
                f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                f"<title>{escape(name)} — {escape(when)}: {escape(label(v))}</title></circle>"
            )
        if end_labels:
            d, v, _when = data[-1]
            out.append(
                f'<text class="line-label" x="{x(d) + 7:.1f}" y="{y(v) - 6 - 11 * index:.1f}" '
                f'fill="{colour}">{escape(name)}</text>'
            )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above is escaped


def timeline(chart_id, rows, *, title, desc, start, end, width=640, row_height=22):
    """Bars over time. ``rows``: [(label, [(start, end, tooltip, css_class, bar_text), ...]),
    ...]; an open start or end runs to the chart's edge; the bar text is drawn when it fits."""
    if not rows:
        return ""
    left, right, top, bottom = 150, 16, 8, 28
    height = top + bottom + row_height * len(rows)
    plot_w = width - left - right
    span = max(_days(end, start), 1)

    def x(day):
        day = min(max(day, start), end)
        return left + plot_w * _days(day, start) / span

    out = [
        f'<svg class="chart timeline" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (end.year - start.year) / s <= 12)
    for year in range(start.year, end.year + 1):
        day = datetime.date(year, 1, 1)
        if year % step or not start <= day <= end:
            continue
        tx = x(day)
        out.append(
            f'<line class="grid" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{height - bottom}"/>'
            f'<text class="tick" x="{tx:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{year}</text>'
        )
    for index, (name, bars) in enumerate(rows):
        ry = top + index * row_height
        out.append(
            f'<text class="row-label" x="{left - 6}" y="{ry + row_height * 0.7:.1f}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        for bar_start, bar_end, text, css, label in bars:
            x1, x2 = x(bar_start or start), x(bar_end or end)
            out.append(
                f'<rect class="bar {escape(css)}" x="{x1:.1f}" y="{ry + 3}" '
                f'width="{max(x2 - x1, 3):.1f}" height="{row_height - 6}">'
                f"<title>{escape(name)}: {escape(text)}</title></rect>"
            )
            if label and x2 - x1 > 8 * len(label):  # the role in words, when it fits
                out.append(
                    f'<text class="bar-label {escape(css)}" x="{x1 + 5:.1f}" '
                    f'y="{ry + row_height * 0.68:.1f}">{escape(label)}</text>'
                )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above is escaped
