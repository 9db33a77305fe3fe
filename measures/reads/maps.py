"""The map page's data: the shipped country shapes joined to the heat map's
scores and levels, as one viewer sees them.

The shapes are ``fixtures/map/countries.json``, built once from Natural Earth
by ``fixtures/map/build_map.py``; nothing is fetched at run time. Levels and
scores come from ``scorecards.heatmap`` (the overview's read), so the map
shows exactly what the heat map shows the same viewer on the same date.
"""

import functools
import json
import math
from pathlib import Path

from django.conf import settings

from ..choices import NO_EVIDENCE, Level
from . import scorecards

SHAPES = Path(settings.BASE_DIR) / "fixtures" / "map" / "countries.json"

# A score is coloured like the level whose weight (0, .25, .5, .75, 1) is
# nearest to it, so the map needs no colour scale of its own. The bands are
# whole percentages, as the score is shown: (highest percentage, level).
SCORE_BANDS = [
    (12, Level.NOT_STARTED),
    (37, Level.UNDER_DISCUSSION),
    (62, Level.AGREED),
    (87, Level.PARTIAL),
    (100, Level.IMPLEMENTED),
]


@functools.cache
def shapes():
    """The fixture as stored: source and attribution, view box, path data per
    ISO alpha-2 code (read once per process)."""
    return json.loads(SHAPES.read_text(encoding="utf-8"))


def score_band(score):
    """The level whose colour a score takes (no score: ``no_evidence``)."""
    if score is None:
        return NO_EVIDENCE
    # Rounded first: 0.57 * 100 is 56.99999999999999.
    percent = math.floor(round(score * 100, 6))
    return next(level for high, level in SCORE_BANDS if percent <= high)


def band_ranges():
    """Each band as (level, lowest percentage, highest percentage)."""
    lows = [0] + [high + 1 for high, _level in SCORE_BANDS[:-1]]
    return [(level, low, high) for low, (high, level) in zip(lows, SCORE_BANDS, strict=True)]


def map_rows(viewer, as_of=None, measure=None):
    """Every tracked country: score and coverage, and the level it is
    coloured by — its score's band, or its level on measure ``measure``
    (a number) — with the shape to draw, or None when it is off the map.
    Returns (rows, number of measures scored)."""
    card = scorecards.heatmap(viewer, as_of)
    numbers = [m["number"] for m in card["measures"]]
    drawn = shapes()["countries"]
    rows = []
    for row in card["results"]:
        entry = row["cells"][numbers.index(measure)] if measure is not None else None
        rows.append(
            {
                "iso2": row["iso2"],
                "name_en": row["name_en"],
                "name_fr": row["name_fr"],
                "score": row["score"],
                "rated": row["rated"],
                "level": entry["level"] if entry else score_band(row["score"]),
                "effective_on": entry["effective_on"] if entry else None,
                "shape": drawn.get(row["iso2"]),
            }
        )
    return rows, len(numbers)


def context_shapes(tracked):
    """Path data of the countries drawn for orientation only (not tracked)."""
    return [c["d"] for iso, c in sorted(shapes()["countries"].items()) if iso not in tracked]
