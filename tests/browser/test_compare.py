"""History in Chromium (issue 15): the as-of banner on a replayed country page,
"Compare with…" from there to the compare page, a form error for one
country, then three countries side by side with their chart. Screenshots
go to test-artifacts/screenshots/ (compare, country-as-of-screen)."""

import pytest

from tests.browser.helpers import SHOTS, chromium, log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def test_compare_opens_from_a_country_page(live_server, users):
    base = live_server.url
    with chromium() as page:
        log_in(page, base, "reader_pub")
        page.goto(base + "/countries/DZ/?as_of=2012-06-30")
        banner = page.locator("main .as-of-banner")
        assert banner.is_visible()
        assert "Replaying history: as of" in banner.inner_text()
        box, heading = banner.bounding_box(), page.locator("h1").bounding_box()
        assert box["y"] < heading["y"]  # at the top of the main content
        # The first screen only: the whole country page takes seconds to shoot.
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "country-as-of-screen.png"))

        page.get_by_role("link", name="Compare with…").click()
        assert page.get_by_label("First country").input_value() == "DZ"
        page.get_by_role("button", name="Compare", exact=True).click()
        assert page.get_by_role("alert").inner_text() == "Choose two to four different countries."

        page.get_by_label("Second country").select_option("MA")
        page.get_by_label("Third country (optional)").select_option("TN")
        page.get_by_role("button", name="Compare", exact=True).click()
        assert "c=DZ&c=MA&c=TN" in page.url
        heads = page.locator("table.compare-table thead th").all_inner_texts()
        assert [h.split()[0] for h in heads[1:]] == ["Algeria", "Morocco", "Tunisia"]
        assert "/20 rated" in page.locator("table.compare-table tr.score-row").inner_text()
        labels = page.locator("svg#compare-trend text.line-label").all_text_contents()
        assert labels == ["DZ", "MA", "TN"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "compare")
