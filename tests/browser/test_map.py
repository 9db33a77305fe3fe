"""The map (issue 15 point 7) in headless Chromium: it renders, every tracked
country drawn on it is a link a keyboard reaches, nothing scrolls sideways on
a phone, and a click opens the country's page."""

import pytest

from countries.models import Country
from measures.reads import maps
from tests.browser.helpers import chromium, shot
from tests.browser.test_csp import session_of, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def test_the_map_links_every_tracked_country_and_opens_one(live_server, users):
    base = live_server.url
    tracked = set(Country.objects.values_list("iso2", flat=True))
    drawn = tracked & set(maps.shapes()["countries"])
    session = session_of(users.reader)  # no login form: the time goes to the map
    with chromium() as page:
        signed_in(page, base, session)
        page.goto(base + "/map/?as_of=2011-06-30")
        svg = page.locator("svg#map")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box["width"] > 500 and box["height"] > 500
        links = page.locator("svg#map a.map-country")
        isos = links.evaluate_all("els => els.map(e => e.dataset.iso)")
        assert sorted(isos) == sorted(drawn)
        hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert all(h.endswith("/?as_of=2011-06-30") for h in hrefs)
        # Each shape is painted (a real fill, not the default black) and named.
        fill = page.locator('a.map-country[data-iso="DZ"] path').evaluate(
            "el => getComputedStyle(el).fill"
        )
        assert fill not in ("", "none", "rgb(0, 0, 0)")
        algeria = page.locator('a.map-country[data-iso="DZ"]')
        assert algeria.get_attribute("aria-label").startswith("Algeria: score")
        # The table says the same in words, for every tracked country.
        table = page.locator("table.map-table tbody tr")
        assert table.count() == len(tracked)
        summary = page.locator("#map-summary")
        summary.evaluate("el => el.scrollIntoView()")  # the first screen: the map
        shot(page, "map")
        # On a phone the map and the table stack; nothing scrolls sideways.
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("svg#map").bounding_box()["width"] <= 390
        summary.evaluate("el => el.scrollIntoView()")
        shot(page, "map-phone")
        page.set_viewport_size({"width": 1366, "height": 900})
        # A keyboard reaches the countries: each link takes the focus.
        algeria.focus()
        assert page.evaluate("document.activeElement.dataset.iso") == "DZ"
        algeria.click()
        page.wait_for_load_state()
        assert page.url.endswith("/countries/DZ/?as_of=2011-06-30")
        assert page.locator("h1").inner_text().startswith("Algeria")
