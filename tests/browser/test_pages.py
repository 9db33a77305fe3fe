"""Issue 5's "Must show", in real headless Chromium against a live server.

Each test prepares its data first (users, a confidential canary), then opens
the browser: Playwright's sync API forbids ORM calls in its thread.
Screenshots of each page go to test-artifacts/screenshots/.
"""

import datetime

import pytest
from django.urls import reverse

from tests.browser.helpers import accessibility_problems, chromium, heat_cell, log_in, shot
from tests.factories import cell_at
from tests.pages.helpers import CANARY, CANARY_SOURCE_TITLE, plant_canary

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def rows(page):
    return page.locator("table.heatmap tbody th .iso").all_inner_texts()


def test_overview_filter_by_initiative_replay_history_and_open_a_country(live_server, users):
    base = live_server.url
    with chromium() as page:
        page.goto(base + "/")
        assert "/accounts/login/" in page.url  # anonymous visitors log in first
        log_in(page, base, "reader_pub")
        assert page.locator("h1").inner_text() == "Countries × measures"
        shot(page, "overview")
        assert len(rows(page)) >= 27

        page.get_by_label("Initiative").select_option("cemoc")
        page.get_by_role("button", name="Apply").click()
        members = rows(page)
        assert {"DZ", "ML", "MR", "NE"} <= set(members) and "MA" not in members
        assert "initiative=cemoc" in page.url
        shot(page, "overview-cemoc")
        page.get_by_label("As of", exact=True).fill(
            "2009-06-30"
        )  # before CEMOC existed: no members
        page.get_by_role("button", name="Apply").click()
        assert rows(page) == []

        page.get_by_label("Initiative").select_option("")
        page.get_by_role("button", name="Apply").click()
        assert heat_cell(page, "DZ", 17) == "NS"
        page.get_by_label("As of", exact=True).fill("2011-06-30")
        page.get_by_role("button", name="Apply").click()
        assert heat_cell(page, "DZ", 17) == "PI"
        shot(page, "overview-as-of-2011")
        page.get_by_label("As of", exact=True).fill("")
        page.get_by_role("button", name="Apply").click()
        assert heat_cell(page, "DZ", 17) == "SU"

        # A bilateral cell opens on demand to show its pairs.
        page.locator('td[data-cell="DZ-2"] summary').click()
        assert page.locator('td[data-cell="DZ-2"] .pairs').is_visible()
        assert "DZ–ML" in page.locator('td[data-cell="DZ-2"] .pairs').inner_text()
        shot(page, "overview-pairs")

        page.get_by_role("link", name="Algeria", exact=True).click()
        assert page.locator("h1").inner_text().startswith("Algeria")
        assert page.locator("svg#score-trend > title").text_content().startswith("Score of Algeria")
        assert page.locator("#measure-17").is_visible()
        shot(page, "country-DZ")
        page.goto(base + "/measures/20/")
        assert page.locator("svg .target").count() == 1
        shot(page, "measure-20")
        page.goto(base + "/initiatives/cemoc/")
        assert page.locator("svg#members-timeline rect.bar").count() >= 4
        shot(page, "initiative-cemoc")
        page.goto(base + "/how-scores-work/")
        shot(page, "how-scores-work")


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_records_an_assessment_and_sees_it_on_the_heat_map(live_server, users):
    base = live_server.url
    target = cell_at(4, "DZ").pk  # a cell the seed does not rate
    overdue_cell = reverse("cell", args=[cell_at(17, "DZ").pk])
    out_of_scope = reverse("cell", args=[cell_at(11, "ML").pk])
    today = datetime.date.today().isoformat()
    with chromium() as page:
        log_in(page, base, "editor_dz")
        assert heat_cell(page, "DZ", 4) == "n/r"
        page.locator('td[data-cell="DZ-4"] a').click()
        assert page.url.endswith(reverse("cell", args=[target]))
        page.get_by_label("Level", exact=True).select_option("agreed")
        page.get_by_label("Effective date", exact=True).fill(today)
        page.get_by_label("Rationale (English)").fill("Agreed at the Algiers meeting.")
        page.evaluate("document.getElementById('record-title').scrollIntoView()")
        shot(page, "cell-form")
        page.get_by_role("button", name="Record assessment").click()
        assert "Assessment recorded." in page.locator(".messages").inner_text()
        assert "Agreed at the Algiers meeting." in page.locator("table.data").first.inner_text()
        shot(page, "cell-recorded")
        page.get_by_role("link", name="Overview").first.click()
        assert heat_cell(page, "DZ", 4) == "AG"
        shot(page, "overview-after-edit")

        # Reconfirm an old, overdue level: the flag goes.
        page.goto(base + overdue_cell)
        assert page.locator(".current .overdue-flag").count() == 1
        page.get_by_role("button", name="Reconfirm: still true today").click()
        assert page.locator(".current .overdue-flag").count() == 0

        # An out-of-scope cell has no form.
        page.goto(base + out_of_scope)
        assert page.locator("#assessment-form").count() == 0


def test_a_reader_finds_no_confidential_item_on_any_page_visited(live_server, users):
    planted = plant_canary(users)
    base = live_server.url
    secret_urls = [
        reverse("evidence", args=[planted.evidence.public_id]),
        reverse("source", args=["canary-source"]),
        "/sources/001/",
        "/initiatives/pap-t/",
    ]
    canary_cell = reverse("cell", args=[planted.cell.pk])
    with chromium() as page:
        log_in(page, base, "reader_pub")
        visited = {}
        queue = ["/", "/countries/MA/", "/measures/11/", canary_cell, "/initiatives/", "/sources/"]
        while queue and len(visited) < 60:
            url = queue.pop(0)
            if url in visited:
                continue
            page.goto(base + url)
            visited[url] = page.content()
            if url in ("/initiatives/", "/sources/", "/countries/MA/"):
                hrefs = page.locator("main a").evaluate_all("els => els.map(a => a.pathname)")
                wanted = ("/initiatives/", "/sources/", "/evidence/")
                queue += [h for h in hrefs if h.startswith(wanted) and h not in visited]
        shot(page, "reader-cell-canary")
        for url, html in visited.items():
            for secret in (CANARY, CANARY_SOURCE_TITLE, "CONFIDENTIAL"):
                assert secret not in html, (url, secret)
        for url in secret_urls:
            response = page.goto(base + url)
            assert response.status == 404, url
    assert len(visited) > 20


def test_the_same_pages_in_french(live_server, users):
    base = live_server.url
    cell_url = reverse("cell", args=[cell_at(17, "DZ").pk])
    with chromium(locale="fr-FR") as page:
        log_in(page, base, "editor_dz")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("h1").inner_text() == "Pays × mesures"
        assert heat_cell(page, "DZ", 17) == "SU"
        assert heat_cell(page, "DZ", 4) == "n/é"
        shot(page, "fr-overview")
        page.get_by_role("link", name="Algérie", exact=True).click()
        assert "Chronologie des éléments de preuve" in page.content()
        shot(page, "fr-country-DZ")
        page.goto(base + cell_url)
        assert page.get_by_role("button", name="Reconfirmer : toujours vrai aujourd'hui").count()
        shot(page, "fr-cell")
        page.goto(base + "/how-scores-work/")
        assert "« Non commencé » est un constat" in page.content()
        shot(page, "fr-how-scores-work")
    # The switcher overrides the browser's language.
    with chromium(locale="en-GB") as page:
        log_in(page, base, "reader_pub")
        page.get_by_role("button", name="Français").click()
        assert page.locator("html").get_attribute("lang") == "fr"
        page.goto(base + "/measures/")
        assert page.locator("h1").inner_text() == "Les vingt mesures"


def test_accessibility_basics_on_every_page(live_server, users):
    base = live_server.url
    urls = [
        "/",
        "/countries/DZ/",
        "/measures/20/",
        "/measures/2/",
        "/initiatives/cemoc/",
        "/sources/000/",
        "/how-scores-work/",
        "/account/",
        reverse("cell", args=[cell_at(17, "DZ").pk]),
        reverse("cell", args=[cell_at(2, "DZ", "ML").pk]),
    ]
    with chromium() as page:
        page.goto(base + "/accounts/login/")
        problems, _ = accessibility_problems(page)
        assert problems == []
        log_in(page, base, "editor_dz")
        checked = 0
        for url in urls:
            page.goto(base + url)
            problems, count = accessibility_problems(page)
            assert problems == [], url
            checked += count
            assert page.locator("main#main").count() == 1
            assert page.locator("nav[aria-label]").count() >= 1
        assert checked > 500  # every heat-map cell and chip was measured
        # The skip link is the first stop of the keyboard and leads to the content.
        page.goto(base + "/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip-link"
        # Heat-map cells are reachable by keyboard: they are links or summaries.
        assert page.locator("table.heatmap td.lv a, table.heatmap td.lv summary").count() > 400
        page.goto(base + "/account/")
        shot(page, "account")
