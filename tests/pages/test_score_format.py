"""A score reads as a whole percentage, rounded the way people round."""

import pytest
from django.utils import translation

from measures.templatetags.cbm_pages import score


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.57, "57\u202f%"),
        (0.125, "13\u202f%"),
        (0.124, "12\u202f%"),
        (1.0, "100\u202f%"),
        (0, "0\u202f%"),
    ],
)
def test_a_score_is_rounded_half_up_not_cut(value, shown):
    assert score(value) == shown


def test_no_score_is_a_dash_in_either_language():
    assert score(None) == "—"
    with translation.override("fr"):
        assert score(0.57) == "57\u202f%"
