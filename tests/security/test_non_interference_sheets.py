"""Non-interference for the spreadsheet round trip: a viewer's exported sheet
and the import preview's messages are the same whether or not someone wrote,
above them, an assessment resting on evidence they may not see — and the
viewer who may see it does find it in their sheet.

Both the CSV and the XLSX are compared byte for byte (an XLSX made on the
same day from the same rows has the same bytes: measures/reads/sheets.py),
and the workbook's cell values are compared as well.
"""

import datetime
import uuid

import pytest

from measures import services
from tests.canaries import moroccan_canary
from tests.factories import cell_at
from tests.measures.sheet_helpers import client_for, fill_csv, xlsx_table

pytestmark = pytest.mark.django_db

# The canary raises 6·MA, confidential and releasable to Morocco; these may not see it.
BLIND = ["reader", "restricted_reader", "editor", "analyst", "french_analyst"]
EXPORTS = [
    {"format": "csv"},
    {"format": "xlsx"},
    {"format": "csv", "country": "MA"},
    {"format": "xlsx", "country": "MA", "measure": "6"},
    {"format": "csv", "level": "implemented"},
    {"format": "csv", "level": "partial", "country": "MA"},
    {"format": "csv", "worklist": "due"},
    {"format": "xlsx", "worklist": "scope"},
]
# What varies with every response whatever was written (the session's cookies).
VOLATILE_HEADERS = {"date", "set-cookie", "x-request-id", "expires"}


def observe(user):
    client = client_for(user)
    seen = []
    for params in EXPORTS:
        response = client.get("/cells/export/", params)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in VOLATILE_HEADERS}
        body = response.content
        if params["format"] == "xlsx" and response.status_code == 200:
            body = (body, xlsx_table(body))
        seen.append((params, response.status_code, headers, body))
    return seen


@pytest.mark.parametrize("name", BLIND)
def test_a_hidden_assessment_changes_nothing_in_a_viewers_sheets(users, name):
    viewer = getattr(users, name)
    before = observe(viewer)
    moroccan_canary(users)
    after = observe(viewer)
    for (params, *was), (_params, *now) in zip(before, after, strict=True):
        assert was == now, params


def test_the_viewer_who_may_see_it_finds_it_in_their_sheet(users):
    client = client_for(users.moroccan_analyst)
    params = {"format": "csv", "country": "MA", "measure": "6"}
    before = client.get("/cells/export/", params).content
    moroccan_canary(users)
    after = client.get("/cells/export/", params).content
    assert before != after and b"implemented" in after


def test_an_import_preview_says_the_same_before_and_after_a_hidden_write(users):
    """The same filled sheet, previewed by an editor who may not see the canary:
    the cell's version is theirs (it does not move), and the canary's evidence
    reads exactly like evidence that does not exist."""
    editor = users.editor
    cell = cell_at(6, "MA")
    exported = client_for(editor).get("/cells/export/", {"format": "csv", "country": "MA"})
    unknown = str(uuid.UUID(int=0xC0FFEE))

    def preview(evidence_id):
        filled = fill_csv(
            exported.content,
            {cell.pk: {"new_level": "agreed", "rationale_en": "x", "evidence": evidence_id}},
        )
        rows = services.preview_import(editor, filled).rows
        return [(r.line, r.outcome, r.level, r.errors) for r in rows]

    plain = preview("")
    with_unknown = preview(unknown)
    canary = moroccan_canary(users)
    assert preview("") == plain
    assert preview(unknown) == with_unknown
    hidden = preview(str(canary.evidence.public_id))
    assert [
        (
            line,
            outcome,
            level,
            [(c, m.replace(str(canary.evidence.public_id), unknown)) for c, m in e],
        )
        for line, outcome, level, e in hidden
    ] == with_unknown
    assert not any(canary.text in m for *_r, errors in hidden for _c, m in errors)


def test_a_hidden_write_does_not_make_the_editors_sheet_stale(users):
    """An editor's sheet stays applicable after a write they may not see:
    their version of the cell did not move."""
    cell = cell_at(6, "MA")
    exported = client_for(users.editor).get("/cells/export/", {"format": "csv", "country": "MA"})
    filled = fill_csv(
        exported.content,
        {
            cell.pk: {
                "new_level": "agreed",
                "new_effective_on": datetime.date(2026, 1, 1).isoformat(),
                "rationale_en": "Seen at the border.",
            }
        },
    )
    moroccan_canary(users)
    preview = services.preview_import(users.editor, filled)
    assert preview.ok and [r.outcome for r in preview.rows if r.cell == cell] == ["new"]
