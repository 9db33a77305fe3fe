"""Coverage: how much of a score rests on ratings, and the one rule for ranking
by score.

A score is the mean over the rated measures only (``scorecards.summarise``),
so a country with one measure rated out of twenty can show 75 % and top a
list of well-covered countries. Coverage is ``rated`` over ``applicable``
(the measures that apply: rated plus not rated; "not applicable" ones are
out of both). The rule: a score resting on fewer than half the applicable
measures is *low coverage*; wherever a list is ranked by score, low-coverage
rows come after the others (ranked among themselves, flagged), and rows
without a score come last, whichever way the score is sorted.
"""

from fractions import Fraction

from .scorecards import summarise

# Below this share of applicable measures rated, a score is "low coverage".
MIN_COVERAGE = Fraction(1, 2)

# Ranking groups: well covered, low coverage, no score.
COVERED, LOW, UNSCORED = 0, 1, 2


def coverage(rated, unrated):
    """Coverage of a score: rated, applicable (rated + not rated), low."""
    applicable = rated + unrated
    return {
        "rated": rated,
        "applicable": applicable,
        "low_coverage": is_low(rated, applicable),
    }


def is_low(rated, applicable):
    """True when a score exists but rests on fewer than MIN_COVERAGE of the
    applicable measures (no rating at all is no score, not a low-coverage one)."""
    return rated > 0 and Fraction(rated, applicable) < MIN_COVERAGE


def rank_group(score, rated, applicable):
    """Where a row goes when a list is ranked by score (see the module's rule)."""
    if score is None:
        return UNSCORED
    return LOW if is_low(rated, applicable) else COVERED


def measure_coverage(card):
    """Each measure's mean value over the countries of a ``scorecards.matrix``
    card, with its coverage (countries rated over countries it applies to),
    by measure number."""
    result = {}
    for index, measure in enumerate(card["measures"]):
        summary = summarise([row["cells"][index] for row in card["results"]])
        result[measure["number"]] = {
            "score": summary["score"],
            **coverage(summary["rated"], summary["unrated"]),
        }
    return result
