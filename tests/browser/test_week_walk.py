"""The editor's week in Chromium: reconfirm every due cell — at least 30 —
in at most three clicks and one page load, under one revision.

Counted with ``Walk`` from the week page as it opens (reaching it from
another page adds the "My week" link: one click, one load). The clicks are
those a person makes: into the reason, "Select all due", "Still true today";
the static script ticks the due rows under the strict CSP.
"""

import pytest

from measures.models import Assessment
from measures.reads import worklist
from tests.browser.helpers import Walk, accessibility_problems, chromium, log_in, shot
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def demo_like_editor():
    """The demo ``editor`` (measures/management/commands/demo_users.py)."""
    return make_user(
        "editor",
        role="editor",
        clearance="restricted",
        countries=["DZ", "MA", "MR", "TN"],
        affiliations=["5plus5"],
    )


def test_an_editor_reconfirms_every_due_cell_in_three_clicks_and_one_page_load(live_server):
    editor = demo_like_editor()
    due = {c.pk for c in worklist.due_cells(editor)}
    assert len(due) >= 30
    base = live_server.url
    with chromium() as page:
        log_in(page, base, "editor")
        page.get_by_role("link", name="My week").click()
        page.wait_for_load_state()
        assert page.locator("tr.is-due").count() == len(due)
        assert accessibility_problems(page)[0] == []
        shot(page, "week")
        walk = Walk(page).start()
        walk.click(page.get_by_label("Reason"))
        page.keyboard.type("Checked against this week's press review: nothing changed.")
        walk.click(page.get_by_text("Select all due"))
        assert page.locator('input[name="cell"]:checked').count() == len(due)  # week.js ran
        walk.click(page.get_by_role("button", name="Still true today"))
        messages = page.locator(".messages").inner_text()
        assert f"Reconfirmed {len(due)} cells: still true today." in messages
        assert page.locator("tr.is-due").count() == 0
        shot(page, "week-reconfirmed")
        clicks, loads = walk.clicks, walk.loads
    assert (clicks, loads) == (3, 1)
    written = Assessment.objects.filter(recorded_by=editor)
    assert set(written.values_list("cell_id", flat=True)) == due
    assert written.values("revision").distinct().count() == 1
    assert not worklist.due_cells(editor)
