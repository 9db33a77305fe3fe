"""The compare page (issue 15): two to four countries side by side — levels in
initials and words, scores with their coverage, scores over time as an SVG
chart with the same figures in a table — equal to each country's own
scorecard; bad input answered with a plain form error."""

import datetime
import html
import re

import pytest

from measures.reads import scorecards
from measures.reads.labels import level_label
from measures.templatetags.cbm_pages import score
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db

D = datetime.date
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}


@pytest.fixture
def reader(client, users):
    client.force_login(users.reader)
    return client


def cells_of(page, iso):
    """The score cell of a country in the side-by-side table, as text."""
    found = re.search(rf'<td data-country="{iso}">(.*?)</td>', page, re.S)
    words = html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))
    return re.sub(r"[ \t\n]+", " ", words).strip()  # not \s: scores keep their \u202f


@pytest.mark.parametrize("as_of", [None, D(2011, 6, 30)])
def test_the_comparison_equals_each_countrys_scorecard(reader, users, as_of):
    assess(users.editor, cell_at(6, "DZ"), "implemented", D(2012, 5, 1))
    query = "?c=DZ&c=MA&c=TN" + (f"&as_of={as_of.isoformat()}" if as_of else "")
    response = reader.get(f"/compare/{query}")
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [c["iso2"] for c in comparison["countries"]] == ["DZ", "MA", "TN"]
    page = response.content.decode()
    for index, iso in enumerate(["DZ", "MA", "TN"]):
        card = scorecards.country_scorecard(users.reader, iso, as_of)
        shown = comparison["countries"][index]
        assert shown["card"] == card
        assert shown["series"] == scorecards.score_series(users.reader, iso, until=as_of)
        for measure, entry in zip(comparison["measures"], card["measures"], strict=True):
            assert measure["levels"][index] == entry
        # The page shows the score with its coverage, "n/20 rated".
        assert cells_of(page, iso) == f"{score(card['score'])} {card['rated']}/20 rated"


def test_levels_read_in_initials_and_words(reader):
    page = reader.get("/compare/?c=DZ&c=MA").content.decode()
    table = page[page.index('class="data compare-table"') : page.index("</table>")]
    assert len(re.findall(r"<tr", table)) == 1 + 1 + 20  # heads, scores, measures
    assert table.count('<span class="chip lv-') == 2 * 20
    assert "<abbr" in table and html.escape(str(level_label("no_evidence"))) in table


def test_scores_over_time_are_a_chart_with_a_table_alternative(reader):
    page = reader.get("/compare/?c=DZ&c=MA&c=TN&c=LY").content.decode()
    svg = page[page.index('<svg class="chart" id="compare-trend"') : page.index("</svg>") + 6]
    assert 'role="img"' in svg and "<desc" in svg
    # Each line is named at its end, so the lines read apart without colour.
    for iso in ("DZ", "MA", "TN", "LY"):
        assert 'class="line-label"' in svg and f">{iso}</text>" in svg
    assert '<table class="data compact compare-series">' in page
    csv = reader.get("/compare/?c=DZ&c=MA&format=csv&table=scores").content.decode()
    assert csv.splitlines()[0] == "date,DZ,MA"
    csv = reader.get("/compare/?c=DZ&c=MA&format=csv&table=levels").content.decode()
    assert csv.splitlines()[0] == "measure,title,DZ,MA"
    assert len(csv.splitlines()) == 21


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?c=DZ", "Choose two to four different countries."),
        ("?c=DZ&c=DZ", "Choose two to four different countries."),
        ("?c=DZ&c=MA&c=TN&c=LY&c=MR", "Choose two to four different countries."),
        ("?c=DZ&c=ZZ", "Select a valid choice. ZZ is not one of the available choices."),
        ("?c=DZ&c=MA&as_of=2011-02-30", "Enter a valid date."),
        ("?c=DZ&c=MA&as_of=0001-01-01", "Give a date between 1900 and 2999."),
        ("?as_of=2011-01-01", "This field is required."),
    ],
)
def test_bad_input_is_a_clear_form_error(reader, query, message):
    response = reader.get(f"/compare/{query}")
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert 'role="alert"' in page
    assert "compare-table" not in page


def test_codes_are_read_in_any_case_and_empty_selects_are_ignored(reader):
    response = reader.get("/compare/?c=dz&c=+ma+&c=&c=")
    assert response.status_code == 200
    assert [c["iso2"] for c in response.context["comparison"]["countries"]] == ["DZ", "MA"]


def test_compare_is_reached_from_the_country_page_and_the_country_list(reader):
    page = reader.get("/countries/DZ/").content.decode()
    assert '<a href="/compare/?with=DZ">Compare with…</a>' in page
    assert 'href="/compare/"' in reader.get("/countries/").content.decode()
    response = reader.get("/compare/?with=DZ")
    assert response.status_code == 200
    page = response.content.decode()
    first = page[
        page.index('id="compare-c1"') : page.index("</select>", page.index('id="compare-c1"'))
    ]
    assert '<option value="DZ" selected>' in first
    assert 'role="alert"' not in page


def test_the_compare_page_in_french(reader):
    page = html.unescape(reader.get("/compare/?c=DZ&c=MA", **FRENCH).content.decode())
    for words in ("Comparer des pays", "Les mesures côte à côte", "/20 évaluées", "Premier pays"):
        assert words in page
    for words in ("Compare countries", "Measures side by side", " rated<", "First country"):
        assert words not in page
    page = html.unescape(reader.get("/compare/?c=DZ", **FRENCH).content.decode())
    assert "Choisissez de deux à quatre pays différents." in page


def test_anonymous_visitors_log_in_first(client):
    response = client.get("/compare/?c=DZ&c=MA")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
