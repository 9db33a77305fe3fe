"""Server-rendered SVG charts carry text alternatives; level colours are readable."""

import datetime
import re
from pathlib import Path

from django.conf import settings

from measures.reads import charts
from measures.reads.labels import LEGEND_ORDER

D = datetime.date


def test_a_line_chart_is_an_image_with_a_title_a_description_and_escaped_text():
    svg = charts.line_chart(
        "trade",
        [("<script>", [(D(2010, 1, 1), 2.5), (D(2012, 1, 1), 3)])],
        title="Trade & <share>",
        desc="From 2.5 to 3.",
        target=("target", 10),
        baseline=("baseline", 2.5),
    )
    assert svg.startswith('<svg class="chart" id="trade" role="img"')
    assert 'aria-labelledby="trade-title trade-desc"' in svg
    assert '<title id="trade-title">Trade &amp; &lt;share&gt;</title>' in svg
    assert '<desc id="trade-desc">From 2.5 to 3.</desc>' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<circle") == 2
    assert 'class="target"' in svg and 'class="baseline"' in svg


def test_an_empty_series_draws_nothing():
    assert charts.line_chart("x", [("a", [])], title="t", desc="d") == ""
    empty = charts.timeline("x", [], title="t", desc="d", start=D(2000, 1, 1), end=D(2001, 1, 1))
    assert empty == ""


def test_a_timeline_has_one_bar_per_period_and_open_ends_reach_the_edge():
    svg = charts.timeline(
        "members",
        [("Algeria (DZ)", [(D(2010, 4, 21), None, "lead, 2010-04-21 – …", "role-lead", "lead")])],
        title="Members",
        desc="Algeria: lead since 2010.",
        start=D(2010, 1, 1),
        end=D(2027, 1, 1),
    )
    assert svg.count("<rect") == 1 and "<title>Algeria (DZ): lead, 2010-04-21 – …</title>" in svg
    assert 'class="bar-label role-lead"' in svg


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_level_colour_has_4_5_to_1_contrast_with_its_text():
    css = (Path(settings.BASE_DIR) / "measures/static/measures/cbm.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    ink = variables["ink"]
    for level in LEGEND_ORDER:
        rule = re.search(rf"\.lv-{level} \{{([^}}]*)\}}", css)
        assert rule, level
        body = rule.group(1)
        if "repeating-linear-gradient" in body:
            # Hatched: the initials sit on a white patch (see table.heatmap .ini).
            assert "background-color: #fff" in body
            assert contrast(ink, "#ffffff") >= 4.5
            continue
        background = variables[f"lv-{level}"]
        text = "#ffffff" if "color: #fff" in body else ink
        assert contrast(text, background) >= 4.5, (level, text, background)
