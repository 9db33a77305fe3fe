"""Level colours stay apart for readers with colour-vision deficiencies, come
from one palette, keep their initials readable; "not rated" has a code that
no country has."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from countries.models import Country
from digests.templatetags.cbm_mail import chip_colours, mail_chip
from measures.choices import NO_EVIDENCE, Level
from measures.reads.colours import INK, LEVEL_COLOURS, WHITE
from measures.reads.labels import LEGEND_ORDER, level_initials, level_label
from tests.colour_vision import MACHADO_2009, ciede2000, closest_pair, contrast

# CIEDE2000 between the closest two levels, for every kind of vision. One
# ΔE00 is about a just-noticeable difference between large patches seen side
# by side; heat-map cells are small (about 40 px) and a reader compares a cell
# with the legend further down the page, so we ask for ten times that: 10 is
# where two colours stop being "the same colour, a bit lighter" and are named
# differently at a glance. The old scale measured 0.4 (agreed against under
# discussion, deuteranopia); this one 12.2 at its weakest (see docs/pages.md).
MIN_DELTA_E = 10

CSS = Path(settings.BASE_DIR) / "measures/static/measures/cbm.css"


def test_the_ciede2000_formula_gives_sharma_s_published_differences():
    # Sharma, Wu and Dalal (2005), table 1, pairs 1, 7 and 17.
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


def test_every_level_has_a_colour_and_the_legend_lists_them_all():
    assert set(LEVEL_COLOURS) == set(LEGEND_ORDER)


@pytest.mark.parametrize("vision", list(MACHADO_2009))
def test_every_pair_of_levels_stays_apart_under_each_kind_of_vision(vision):
    fills = {level: colour.fill for level, colour in LEVEL_COLOURS.items()}
    delta, a, b = closest_pair(fills, vision)
    assert delta >= MIN_DELTA_E, f"{vision}: {a} and {b} differ by only ΔE00 {delta:.1f}"


def test_the_old_scale_fails_the_same_check():
    """Not vacuous: the scale reported in issue 15 is caught."""
    old = {
        "implemented": "#1b6e3a",
        "partial": "#8fcf8f",
        "agreed": "#d9ef8b",
        "under_discussion": "#fee08b",
        "not_started": "#f4a582",
    }
    delta, *pair = closest_pair(old, "deuteranopia")
    assert delta < 1 and set(pair) == {"agreed", "under_discussion"}


def test_initials_have_4_5_to_1_contrast_on_their_colour():
    for level, colour in LEVEL_COLOURS.items():
        assert contrast(colour.text, colour.fill) >= 4.5, level
        if colour.hatched:  # on the pages the initials sit on a white patch
            assert contrast(INK, WHITE) >= 4.5


def test_the_style_sheet_carries_the_palette_and_nothing_else():
    css = CSS.read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    for level, colour in LEVEL_COLOURS.items():
        name = f"hatch-{level}" if colour.hatched else f"lv-{level}"
        assert variables[name].lower() == colour.fill, level
        rule = re.search(rf"\.lv-{level} \{{([^}}]*)\}}", css).group(1)
        assert f"var(--{name})" in rule, level
        if not colour.hatched:
            assert ("color: #fff" in rule) == (colour.text == WHITE), level
    # No level colour written out anywhere else in the sheet.
    for colour in LEVEL_COLOURS.values():
        assert css.lower().count(colour.fill) == 1 or colour.fill == "#b3261e", colour


def test_the_mail_chips_take_their_colours_from_the_palette():
    for level in Level.values:
        background, text, _border = chip_colours(level)
        assert (background, text) == tuple(LEVEL_COLOURS[level][:2])
        assert background in mail_chip(level)
    background, text, border = chip_colours(NO_EVIDENCE)
    assert (background, text, border) == (WHITE, INK, LEVEL_COLOURS[NO_EVIDENCE].fill)
    assert "dashed" in mail_chip(NO_EVIDENCE)


def looks_like_a_country_code(code):
    return bool(re.fullmatch(r"[A-ZÀ-Ý]{2,3}", code))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_not_rated_has_a_code_no_country_has(language):
    with translation.override(language):
        code = str(level_initials(NO_EVIDENCE))
        label = str(level_label(NO_EVIDENCE))
    assert not looks_like_a_country_code(code), code
    assert code not in set(Country.objects.values_list("iso2", flat=True))
    assert code not in set(Country.objects.values_list("iso3", flat=True))
    assert label == {"en": "not rated", "fr": "non évalué"}[language]
    assert "evidence" not in label and "preuve" not in label


def test_the_other_levels_keep_their_initials():
    with translation.override("en"):
        assert [str(level_initials(level)) for level in LEGEND_ORDER] == [
            "IM", "PI", "AG", "UD", "NS", "SU", "NA", "MX", "n/r"
        ]  # fmt: skip


@pytest.mark.django_db
def test_a_cell_with_evidence_and_no_level_reads_not_rated(users):
    browser = Client()
    browser.force_login(users.reader)
    body = browser.get("/countries/DZ/").content.decode()
    assert ">n/r<" in body and "not rated" in body
    assert "no evidence (not rated)" not in body and ">NE<" not in body
    french = browser.get("/countries/DZ/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">n/é<" in french and "non évalué" in french and "aucune preuve" not in french
