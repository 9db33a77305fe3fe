"""The header's search box, in Chromium: type "Maroc", submit, land on Morocco."""

import time

import pytest

from tests.browser.helpers import accessibility_problems, chromium, log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def test_maroc_typed_in_the_header_box_lands_on_results_with_morocco(live_server, users):
    base = live_server.url
    started = time.monotonic()
    with chromium() as page:
        log_in(page, base, "reader_pub")
        page.goto(base + "/measures/")
        box = page.get_by_role("search").get_by_label("Search the tracker")
        box.fill("Maroc")
        box.press("Enter")
        page.wait_for_url("**/search/?q=Maroc")
        assert page.locator("h1").inner_text() == "Search"
        countries = page.locator("#results-country")
        assert countries.get_by_role("heading").inner_text() == "Countries (1)"
        problems, _checked = accessibility_problems(page)
        assert problems == []
        shot(page, "search-maroc")
        countries.get_by_role("link", name="Morocco").click()
        page.wait_for_url("**/countries/MA/")
    assert time.monotonic() - started < 10
