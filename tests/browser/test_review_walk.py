"""Review by a second person, walked in headless Chromium by two users: the
author proposes a change of level on the cell page, the reviewer returns it
with a comment, the author proposes again, the reviewer approves, and the
cell shows the new level. Clicks and page loads are counted (docs/pages.md)."""

import pytest
from django.urls import reverse

from tests.browser.helpers import ARGS, CHROMIUM, Walk, chromium, log_in
from tests.factories import cell_at, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def second_page(page):
    """Another person's browser: a context of its own (its own cookies)."""
    context = page.context.browser.new_context(
        locale="en-GB", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def test_propose_return_propose_again_and_approve_as_two_users(live_server, users):
    make_user("editor_dz2", role="editor", clearance="restricted", countries=["DZ"])
    cell = cell_at(11, "DZ")
    base = live_server.url
    cell_url = base + reverse("cell", args=[cell.pk])
    figures = {}
    assert CHROMIUM and ARGS  # the system's Chromium, as every browser test
    with chromium() as author:
        reviewer = second_page(author)
        log_in(author, base, "editor_dz")
        log_in(reviewer, base, "editor_dz2")

        # The author proposes: the cell page's form, sent for review.
        author.goto(cell_url)
        walk = Walk(author).start()
        form = author.locator("#assessment-form")
        form.locator("select[name=level]").select_option("implemented")
        form.locator("input[name=effective_on]").fill("2020-01-15")
        form.locator("textarea[name=rationale_en]").fill("Signed in January.")
        walk.click(form.get_by_role("button", name="Record assessment"))
        assert "Sent for review" in author.locator(".messages").inner_text()
        assert author.locator("#proposal-state").inner_text() == "awaiting review"
        figures["propose"] = (walk.clicks, walk.loads)

        # The reviewer sees the count, opens the list and returns it.
        reviewer.goto(base + "/")
        walk = Walk(reviewer).start()
        assert reviewer.locator("#nav-review").inner_text() == "Review (1)"
        walk.click(reviewer.locator("#nav-review"))
        row = reviewer.locator("#awaiting tbody tr").first
        row.locator("input[name=comment]").fill("Which treaty? Cite it.")
        walk.click(row.get_by_role("button", name="Return"))
        assert "Returned to its author" in reviewer.locator(".messages").inner_text()
        assert reviewer.locator("#nav-review").inner_text() == "Review (0)"
        figures["return"] = (walk.clicks, walk.loads)

        # The author reads the comment and proposes again.
        author.goto(base + reverse("proposals"))
        walk = Walk(author).start()
        assert "Which treaty? Cite it." in author.locator("#own").inner_text()
        walk.click(author.get_by_role("link", name="Propose again…"))
        again = author.locator("form[action$='/repropose/']")
        again.locator("textarea[name=rationale_en]").fill("Signed in January: treaty of Algiers.")
        walk.click(again.get_by_role("button", name="Propose again"))
        assert "Proposed again" in author.locator(".messages").inner_text()
        figures["propose again"] = (walk.clicks, walk.loads)

        # The reviewer approves; the cell shows the new level to everyone.
        reviewer.goto(base + "/")
        walk = Walk(reviewer).start()
        walk.click(reviewer.locator("#nav-review"))
        walk.click(reviewer.locator("#awaiting").get_by_role("button", name="Approve"))
        assert "Approved" in reviewer.locator(".messages").inner_text()
        figures["approve"] = (walk.clicks, walk.loads)

        author.goto(cell_url)
        assert "implemented" in author.locator(".big-level").inner_text().lower()
        reviewer.context.close()
    print("review walk (clicks, page loads):", figures)
    assert figures == {
        "propose": (1, 1),
        "return": (2, 2),
        "propose again": (2, 2),
        "approve": (2, 2),
    }
