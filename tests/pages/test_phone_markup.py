"""The markup the phone layout and the keyboard rest on (issue 15, points 1 and
10): a folded menu and filters, a skip link straight to the scorecard, short
measure names in the column headers and on every cell (which become the
chips of the country cards), the coverage beside each score, and the pair
pop-ups' script. The layout itself is measured in Chromium
(tests/browser/test_phone.py)."""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from measures.access import viewer_for
from measures.models import Measure
from measures.reads import scorecards

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(users):
    browser = Client()
    browser.force_login(users.reader)
    return browser


def cell_html(html, iso, number):
    return re.search(rf'<td [^>]*data-cell="{iso}-{number}">(.*?)</td>', html, re.S).group(1)


def test_every_page_folds_its_menu_behind_one_summary(reader):
    for path in ["/", "/measures/", "/how-scores-work/", "/account/"]:
        html = reader.get(path).content.decode()
        menu = re.search(
            r'<details class="site-menu">\s*<summary>Menu</summary>(.*?)</details>', html, re.S
        )
        assert menu, path
        assert '<nav aria-label="Main">' in menu.group(1)
        assert "set_language" in menu.group(1) or "/i18n/" in menu.group(1)


def test_the_overview_skips_to_its_first_row_and_folds_its_filters(reader):
    html = reader.get("/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<a class="skip-link" href="#scorecard">Skip to the scorecard</a>' in html
    assert html.count('id="scorecard"') == 1
    first_body = html.index('<tbody id="scorecard" tabindex="-1">')
    assert first_body < html.index('data-cell="DZ-1"') < html.index("<tbody>", first_body)
    assert re.search(r'<details class="filters-fold">\s*<summary>Filters</summary>\s*<form', html)
    assert '<script src="/static/measures/popups.js" defer></script>' in html


def test_no_rows_no_skip_link(reader):
    html = reader.get("/?as_of=2009-06-30&initiative=cemoc").content.decode()
    assert "No country matches these filters." in html
    assert "#scorecard" not in html


def test_filters_with_an_error_stay_open(reader):
    html = reader.get("/?as_of=not-a-date").content.decode()
    assert '<details class="filters-fold" open>' in html


def test_column_headers_carry_the_short_name_and_the_full_title(reader):
    html = reader.get("/").content.decode()
    hotline = Measure.objects.get(number=13)
    header = re.search(
        r'<th scope="col" class="measure-col bilateral"><a href="/measures/13/"[^>]*>(.*?)</a>',
        html,
    )
    assert f'title="{escape(hotline.title_en)}"' in header.group(0)
    assert '<span class="short">Leaders&#x27; hotline</span>' in header.group(1)
    assert "Measure </span>13" in header.group(1)

    french = reader.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span class="short">Ligne directe</span>' in french


def test_every_cell_names_its_measure_and_says_its_level_in_words(reader):
    html = reader.get("/").content.decode()
    plain = cell_html(html, "DZ", 17)
    assert '<span class="m">Counter-terrorism agency</span>' in plain
    assert '<span class="ini" aria-hidden="true">SU</span>' in plain
    assert "Algeria, measure 17: suspended" in plain
    pairs = cell_html(html, "DZ", 2)  # bilateral: a <details> on its pairs
    assert re.search(
        r'<summary [^>]*><span class="m">Military contacts</span><span class="ini"', pairs
    )
    assert html.count('<span class="m">') == html.count('class="lv lv-')

    french = reader.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span class="m">Agence antiterroriste</span>' in cell_html(french, "DZ", 17)


def test_each_score_shows_its_coverage_in_both_languages(reader, users):
    card = scorecards.heatmap(viewer_for(users.reader))
    algeria = next(r for r in card["results"] if r["iso2"] == "DZ")
    total = len(card["measures"])
    html = reader.get("/").content.decode()
    row = re.search(r'data-cell="DZ-1"', html)
    score = html.rfind('<td class="score-col">', 0, row.start())
    assert (
        f'<span class="coverage">{algeria["rated"]}/{total} rated</span>'
        in html[score : row.start()]
    )

    french = reader.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"{algeria['rated']}/{total} évaluées" in french

    military = reader.get("/?domain=military").content.decode()
    shown = military.count('class="measure-col')
    assert re.search(rf'<span class="coverage">\d+/{shown} rated</span>', military)
