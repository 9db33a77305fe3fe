"""The map page (``/map/``) and its shipped shapes: a shape for every tracked
country in the map's area, attributed to Natural Earth; every tracked country
a link to its page (keeping ``as_of``) with its score and coverage, or the
chosen measure's level, in words; a bad parameter is a clear 400."""

import datetime
import html
import importlib.util
import re

import pytest
from django.conf import settings
from django.test import Client

from countries.models import Country
from measures.choices import NO_EVIDENCE, Level
from measures.reads import maps
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
BUILD = settings.BASE_DIR / "fixtures" / "map" / "build_map.py"


def page(user, path, **headers):
    browser = Client()
    browser.force_login(user)
    response = browser.get(path, **headers)
    return response, html.unescape(response.content.decode())


def shape_links(body):
    """(iso, href, accessible name) of each country link on the map."""
    return re.findall(
        r'<a href="([^"]+)" class="map-country" data-iso="([A-Z]{2})" aria-label="([^"]+)">',
        body,
    )


# --- the fixture ----------------------------------------------------------------


def test_every_tracked_country_in_the_area_has_a_shape():
    # The map's area: every region but North America (listed beside the map).
    near = set(
        Country.objects.exclude(regions__code="north_america").values_list("iso2", flat=True)
    )
    shapes = maps.shapes()["countries"]
    assert near - set(shapes) == set()
    for iso in near:
        assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", shapes[iso]["d"]), iso
    assert "US" not in shapes


def test_the_fixture_is_small_and_attributed():
    assert maps.SHAPES.stat().st_size < 100_000
    data = maps.shapes()
    assert data["source"]["package"] == "world-atlas"
    assert data["source"]["version"].startswith("2.")
    assert data["source"]["licence"] == "public domain, Natural Earth"
    assert "Natural Earth" in data["source"]["attribution"]
    assert data["built_by"] == "fixtures/map/build_map.py"
    assert data["view_box"][:2] == [0, 0]


def test_the_build_script_simplifies_and_clips_shapes():
    spec = importlib.util.spec_from_file_location("build_map", BUILD)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    wiggly = [(0, 0), (1, 0.1), (2, -0.1), (3, 0)]
    assert build.simplify(wiggly, 0.5) == [(0, 0), (3, 0)]
    square = [(-5, -5), (5, -5), (5, 5), (-5, 5)]
    clipped = build.clip(square, (0, 0, 10, 10))
    assert build.area(clipped) == 25
    assert build.path_data([clipped]).startswith("M")
    # Arcs decode from quantised deltas; a negative index reverses an arc.
    topology = {"transform": {"scale": [1, 1], "translate": [0, 0]}, "arcs": [[[0, 0], [2, 0]]]}
    (arc,) = build.decode_arcs(topology)
    assert arc == [(0, 0), (2, 0)]
    assert build.ring_points([~0], [arc]) == [(2, 0), (0, 0)]


def test_scores_take_the_colour_of_the_nearest_level():
    assert maps.score_band(None) == NO_EVIDENCE
    assert maps.score_band(0.0) == Level.NOT_STARTED
    assert maps.score_band(0.129) == Level.NOT_STARTED  # shown as 12 %
    assert maps.score_band(0.13) == Level.UNDER_DISCUSSION
    assert maps.score_band(0.57) == Level.AGREED
    assert maps.score_band(0.875) == Level.PARTIAL  # shown as 87 %
    assert maps.score_band(0.88) == Level.IMPLEMENTED
    assert maps.score_band(1.0) == Level.IMPLEMENTED
    assert [(low, high) for _, low, high in maps.band_ranges()] == [
        (0, 12),
        (13, 37),
        (38, 62),
        (63, 87),
        (88, 100),
    ]


# --- the page -------------------------------------------------------------------


def test_every_tracked_country_is_a_link_with_its_score_in_words(users):
    response, body = page(users.reader, "/map/")
    assert response.status_code == 200
    tracked = set(Country.objects.values_list("iso2", flat=True))
    drawn = {iso: (href, name) for href, iso, name in shape_links(body)}
    assert set(drawn) == tracked - {"US"}
    for iso in tracked:
        assert f'<a href="/countries/{iso}/">' in body  # the table, every country
    href, name = drawn["DZ"]
    assert href == "/countries/DZ/"
    assert re.fullmatch(r"Algeria: score \d+\u202f%, \d+/20 rated", name)
    assert f"<title>{name}</title>" in body
    assert re.search(r"Burkina Faso: (no score|score \d+\u202f%), \d+/20 rated", body)
    assert "Too far to draw on this map:" in body and "United States" in body
    assert "Natural Earth" in body and "public domain" in body


def test_a_chosen_measure_colours_the_map_by_its_level_at_the_date(users):
    assess(users.admin, cell_at(12, "TN"), "agreed", datetime.date(2012, 5, 1), rationale="x")
    _, body = page(users.reader, "/map/?measure=12&as_of=2012-06-30")
    links = {iso: (href, name) for href, iso, name in shape_links(body)}
    assert links["TN"] == (
        "/countries/TN/?as_of=2012-06-30",
        "Tunisia, measure 12: agreed (since 2012-05-01)",
    )
    assert re.search(
        r'data-iso="TN"[^>]*><title>[^<]*</title><path class="map-shape lv-agreed"', body
    )
    assert "Coloured by measure 12" in body
    _, before = page(users.reader, "/map/?measure=12&as_of=2012-04-30")
    assert "Tunisia, measure 12: agreed" not in before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("measure=99", "There is no measure 99: choose the score or one of the measures."),
        ("measure=abc", "There is no measure abc: choose the score or one of the measures."),
        ("as_of=2011-13-45", "Enter a valid date."),
    ],
)
def test_a_bad_parameter_is_a_clear_error(users, query, message):
    response, body = page(users.reader, f"/map/?{query}")
    assert response.status_code == 400
    assert message in body
    assert "map-country" not in body


def test_the_map_in_french(users):
    _, body = page(users.reader, "/map/", **FRENCH)
    assert "Carte des pays suivis" in body
    assert re.search(r"Algérie : score \d+\u202f%, \d+/20 évaluées", body)


def test_anonymous_visitors_log_in_first(client):
    response = client.get("/map/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
