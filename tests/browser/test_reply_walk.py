"""Right of reply, walked in headless Chromium against a live server: Morocco's
respondent logs in, opens a cell of Morocco, replies in French; an editor
then finds the reply beside the assessment. Clicks and page loads counted."""

import datetime

import pytest

from tests.browser.helpers import Walk, accessibility_problems, chromium, log_in, shot
from tests.factories import assess, cell_at, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]

REPLY_FR = "Le Maroc a publié son registre des armes en février 2013."


def test_a_respondent_replies_in_french_and_an_editor_sees_it_beside_the_assessment(
    live_server, users
):
    make_user("liaison_ma", role="respondent", clearance="restricted", countries=["MA"])
    cell = cell_at(11, "MA")
    answered = assess(
        users.editor, cell, "partial", datetime.date(2013, 2, 1), rationale="Half done."
    )
    base = live_server.url
    with chromium(locale="fr-FR") as page:
        log_in(page, base, "liaison_ma")
        page.goto(f"{base}/account/")
        account = page.locator("main").inner_text()
        assert "Vous pouvez répondre pour\nMaroc (MA)" in account
        page.goto(f"{base}/cells/{cell.pk}/")
        assert page.locator("#record-title").count() == 0  # a respondent records nothing
        walk = Walk(page).start()
        walk.click(page.locator(f'a.reply-link[href$="/{answered.public_id}/reply/"]'))
        page.get_by_label("Réponse (français)").fill(REPLY_FR)
        problems, _checked = accessibility_problems(page)
        assert problems == []
        shot(page, "reply-form")
        walk.click(page.get_by_role("button", name="Envoyer la réponse"))
        assert page.url.startswith(f"{base}/cells/{cell.pk}/")
        assert (
            "Votre réponse a été jointe à l’évaluation." in page.locator(".messages").inner_text()
        )
        assert (walk.clicks, walk.loads) == (2, 2)
        history = page.locator("section[aria-labelledby=history-title]")
        assert REPLY_FR in history.inner_text()

    with chromium() as page:
        log_in(page, base, "editor_dz")
        page.goto(f"{base}/cells/{cell.pk}/")
        row = page.locator("section[aria-labelledby=history-title] tbody tr").filter(
            has_text="Half done."
        )
        reply = row.locator("li.reply")
        assert "Reply of Morocco" in reply.inner_text()
        assert REPLY_FR in reply.inner_text()  # no English text: the French is shown
        assert row.locator("a.reply-link").count() == 0  # editors do not reply
        shot(page, "cell-with-reply")
