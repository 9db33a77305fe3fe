"""Headless Chromium for the browser tests (Playwright, the system's Chromium).

Playwright's sync API runs an event loop in the test's thread, where Django
refuses ORM calls: every test prepares its data first, then opens the browser
with ``chromium()``; the live server answers from its own thread.
"""

import contextlib
from pathlib import Path

from django.conf import settings
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@contextlib.contextmanager
def chromium_browser():
    """The browser itself, for tests that open several contexts."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium(locale="en-GB"):
    with chromium_browser() as browser:
        context = browser.new_context(
            locale=locale, viewport={"width": 1366, "height": 900}, color_scheme="light"
        )
        context.set_default_timeout(15_000)
        yield context.new_page()


def shot(page, name):
    """The whole page, and what the first screen shows (for docs/screenshots/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-screen.png"))
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, base, username, password="pw"):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").or_(page.get_by_label("Nom d'utilisateur")).fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def heat_cell(page, iso, number):
    """The initials shown in the heat-map cell of a country and a measure."""
    return page.locator(f'td[data-cell="{iso}-{number}"] .ini').first.inner_text().strip()


# Accessibility checks run in the page: unlabelled controls, charts without a text
# alternative, and text/background contrast of every level colour.
# WCAG colour arithmetic shared by the pages' and the digest's contrast checks.
COLOURS = """
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
"""

A11Y_SCRIPT = """() => {
  const problems = [];
  const named = el => {
    if (el.getAttribute('aria-label')) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(' ').every(id => document.getElementById(id)
        && document.getElementById(id).textContent.trim())) return true;
    if (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) return true;
    if (el.closest('label')) return true;
    if (el.tagName === 'BUTTON' && el.textContent.trim()) return true;
    return false;
  };
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden') continue;
    if (!named(el)) problems.push('unlabelled ' + el.outerHTML.slice(0, 120));
  }
  for (const svg of document.querySelectorAll('svg')) {
    const title = svg.querySelector(':scope > title');
    const desc = svg.querySelector(':scope > desc');
    if (svg.getAttribute('role') !== 'img' || !named(svg) || !title || !title.textContent.trim()
        || !desc || !desc.textContent.trim()) {
      problems.push('chart without text alternative ' + (svg.id || svg.outerHTML.slice(0, 80)));
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt');
  }
  ${COLOURS}
  const ratios = [];
  for (const el of document.querySelectorAll('.chip, table.heatmap td.lv .ini, .marking')) {
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    const bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    ratios.push(ratio);
    if (ratio < 4.5) {
      problems.push(`contrast ${ratio.toFixed(2)}: ${el.className} "${el.textContent.trim()}"`);
    }
  }
  return {problems, checked: ratios.length};
}""".replace("${COLOURS}", COLOURS)


def accessibility_problems(page):
    result = page.evaluate(A11Y_SCRIPT)
    return result["problems"], result["checked"]


class Walk:
    """Counts what a task costs a person: clicks, and full page loads.

    Use ``walk.click(locator)`` for every click of the task; page loads are
    counted from the main frame's ``load`` events after ``start()`` (a form
    post that redirects and renders counts as one load).
    """

    def __init__(self, page):
        self.page = page
        self.clicks = 0
        self.loads = 0
        self._counting = False
        page.on("load", self._loaded)

    def _loaded(self, _page):
        if self._counting:
            self.loads += 1

    def start(self):
        self.clicks = self.loads = 0
        self._counting = True
        return self

    def click(self, locator, **kwargs):
        self.clicks += 1
        locator.click(**kwargs)
        self.page.wait_for_load_state()
