"""Phone-first (issue 15, points 1 and 10), measured in Chromium: at 390 × 844
the heat map reads as country cards with
labelled chips and the first card on the first screen, a pair pop-up fits
and closes on Escape and on a click outside, and the skip link reaches the
grid; at 1366 × 900 the column headers show short names and stay in view
while the grid scrolls inside its region.

One browser, one page: the viewport changes between the two halves. That no
page scrolls sideways, in either language, is test_every_page.py's sweep.
"""

import pytest

from tests.browser.helpers import chromium, log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# How much wider than the screen the page is (0: it fits).
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
FOCUS = """() => {
  const cell = document.activeElement.closest('td[data-cell]');
  return cell ? cell.dataset.cell : document.activeElement.textContent.trim();
}"""


def test_the_pages_on_a_phone_and_the_grid_on_a_wide_screen(live_server, users):
    base = live_server.url
    with chromium() as page:
        page.set_viewport_size(PHONE)
        page.goto(base + "/accounts/login/")
        assert page.evaluate(OVERFLOW) == 0, "/accounts/login/"
        log_in(page, base, "editor_dz")

        # The overview: a compact header, folded filters, country cards.
        assert page.locator("header").bounding_box()["height"] < 80
        assert page.locator("header nav").is_hidden()
        assert page.get_by_label("Initiative").is_hidden()
        assert page.evaluate(OVERFLOW) == 0
        card = page.locator("table.heatmap tbody tr:not(.group)").first
        assert card.locator("th").inner_text().split() == ["Algeria", "DZ"]
        assert "/20 rated" in card.locator(".coverage").inner_text()
        box = card.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "the first card is on the first screen"
        chip = card.locator('td[data-cell="DZ-17"]')
        assert chip.locator(".m").inner_text() == "Counter-terrorism agency"
        assert chip.locator(".ini").inner_text() == "SU"
        assert "measure 17: suspended" in chip.locator(".visually-hidden").inner_text()
        shot(page, "phone-overview")

        # The skip link, then two Tabs: the country, then its first cell.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS) == "Skip to the scorecard"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS) == "DZ-1"

        # A pair pop-up opens in the card, whole, and closes on Escape
        # (giving the focus back) and on a click outside.
        pairs = page.locator('td[data-cell="DZ-2"] details')
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert pairs.get_attribute("open") is not None
        popup = pairs.locator(".pairs").bounding_box()
        assert popup["x"] >= 0 and popup["x"] + popup["width"] <= PHONE["width"]
        assert "DZ–ML" in pairs.locator(".pairs").inner_text()
        shot(page, "phone-overview-pairs")
        page.keyboard.press("Escape")
        assert pairs.get_attribute("open") is None
        assert page.evaluate(FOCUS) == "DZ-2"
        pairs.locator("summary").click()
        assert pairs.get_attribute("open") is not None
        page.locator("h1").click()
        assert pairs.get_attribute("open") is None

        # The menu opens on demand; French through it, on every page.
        page.get_by_text("Menu", exact=True).click()
        assert page.locator("header nav").is_visible()
        shot(page, "phone-menu")
        page.get_by_role("button", name="Français").click()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.evaluate(OVERFLOW) == 0, "/ (fr)"
        chip = page.locator('td[data-cell="DZ-13"] .m')
        assert chip.inner_text() == "Ligne directe"
        assert "évaluées" in page.locator(".coverage").first.inner_text()
        page.locator(".filters-fold > summary", has_text="Filtres").click()
        assert page.get_by_label("Initiative").is_visible()
        assert page.evaluate(OVERFLOW) == 0, "/ (fr, filters open)"

        # Wide: the menu and filters are open, the headers stick.
        page.set_viewport_size(DESKTOP)
        page.goto(base + "/")
        page.get_by_role("button", name="English").click()
        assert page.locator("header nav").is_visible()
        assert page.get_by_label("Initiative").is_visible()
        header = page.locator('thead th.measure-col:has(a[href="/measures/13/"])')
        assert header.locator(".short").inner_text() == "Leaders' hotline"
        assert (
            header.locator("a").get_attribute("title") == "A telephone hotline between the leaders"
        )
        region = page.locator(".heatmap-scroll")
        region.scroll_into_view_if_needed()
        region.evaluate("el => el.scrollBy(0, 600)")
        assert region.evaluate("el => el.scrollTop") >= 600
        top = region.bounding_box()["y"]
        assert abs(header.bounding_box()["y"] - top) <= 3, "the column headers stick"
        assert header.locator(".short").is_visible()
        at_header = header.evaluate(
            """th => { const b = th.getBoundingClientRect();
              const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
              return th.contains(hit); }"""
        )
        assert at_header, "nothing covers the stuck headers"
        shot(page, "desktop-overview-sticky")
