"""The digest's HTML part in real headless Chromium, as an HTML mail client shows
it: a phone's 360 px without sideways scrolling, and 800 px; nothing loaded
from anywhere; every chip's text readable on its colour. Screenshots of both
widths go to test-artifacts/screenshots/ (copied to docs/screenshots/)."""

import io

import pytest
from django.core.management import call_command

from digests import services as digest_services
from tests.browser.helpers import COLOURS, accessibility_problems, chromium, shot
from tests.digests import digest_weeks
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db, pytest.mark.smtp]

# Text/background contrast of the chips, links and muted text of the mail.
CONTRAST_SCRIPT = """() => {
  ${COLOURS}
  const low = [];
  const all = document.querySelectorAll('span[title], a, strong, div, li, p');
  for (const el of all) {
    if (!el.textContent.trim()) continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const [a, b] = [fg, lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const what = el.textContent.trim().slice(0, 30);
    if (ratio < 4.5) low.push(`${ratio.toFixed(2)} ${el.tagName} "${what}"`);
  }
  return {low, checked: all.length};
}""".replace("${COLOURS}", COLOURS)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_digest_reads_on_a_360_px_phone_and_at_800_px(smtp, users, language):
    digest_weeks.typical_week(users.admin)
    digest_services.subscribe(
        make_user("phone", role="reader", clearance="public"), language=language
    )
    call_command("send_digests", period=digest_weeks.PERIOD, stdout=io.StringIO())
    (mail,) = smtp.sink.messages
    markup = mail.get_body(("html",)).get_content()

    requests = []
    with chromium() as page:
        page.on("request", lambda request: requests.append(request.url))
        for width in (360, 800):
            page.set_viewport_size({"width": width, "height": 800})
            page.set_content(markup)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{overflow} px of sideways scrolling at {width} px"
            shot(page, f"digest-{language}-{width}")
        problems, _ = accessibility_problems(page)
        contrast = page.evaluate(CONTRAST_SCRIPT)
        chips = page.locator("span[title]").count()
    assert problems == []
    assert contrast["low"] == [] and contrast["checked"] > 100
    assert chips == 19
    assert requests == []  # nothing fetched: no images, fonts or style sheets from outside
