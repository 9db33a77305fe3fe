"""The spreadsheet round trip in Chromium, as the demo editor would do it:
download the cells of their scope as XLSX, fill one row offline (openpyxl
plays the spreadsheet), upload it, read the preview, apply. The walk counts
clicks and page loads (docs/pages.md gives the figures)."""

import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from measures.models import Assessment
from tests.browser.helpers import Walk, chromium, log_in, shot
from tests.factories import assess, cell_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def fill_row(path, measure, country, **values):
    """Type ``values`` into the row of a cell, as a person would in a spreadsheet."""
    book = load_workbook(path)
    sheet = book["cells"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        by_name = dict(zip(header, row, strict=True))
        if by_name["measure"].value == measure and by_name["country"].value == country:
            for name, value in values.items():
                by_name[name].value = value
            break
    else:
        raise AssertionError(f"no row for {measure} · {country}")
    book.save(path)


def test_export_edit_upload_preview_apply(live_server, users, settings, tmp_path):
    settings.CBM_REVIEW = "none"  # published at once; review has its own walk
    cell = cell_at(17, "DZ")
    today = timezone.localdate()
    base = live_server.url
    with chromium() as page:
        log_in(page, base, "editor_dz")
        page.goto(f"{base}/cells/import/")
        walk = Walk(page).start()
        with page.expect_download() as download:
            walk.click(page.get_by_role("link", name="XLSX").nth(1))  # the whole scope
        sheet = tmp_path / "cells.xlsx"
        download.value.save_as(sheet)
        assert download.value.suggested_filename.startswith("cells-scope-")

        fill_row(
            sheet,
            17,
            "DZ",
            new_level="agreed",
            new_effective_on=datetime.datetime.combine(today, datetime.time()),
            rationale_en="Talks resumed at the AMU summit.",
        )

        page.get_by_label("Filled sheet (XLSX or CSV)").set_input_files(str(sheet))
        walk.click(page.get_by_role("button", name="Preview"))
        preview = page.locator("table.import-preview")
        assert preview.locator("tr.outcome-new").count() == 1
        assert "17 · DZ" in preview.locator("tr.outcome-new").inner_text()
        assert preview.locator("tr.outcome-error").count() == 0
        shot(page, "cells-import-preview")
        walk.click(page.get_by_role("button", name="Apply: record these rows"))
        assert "Imported: 1 recorded, 0 sent for review." in page.locator(".messages").inner_text()
        shot(page, "cells-import-applied")
        clicks, loads = walk.clicks, walk.loads

    # Download, preview, apply: three clicks; two page loads (the download is none).
    assert (clicks, loads) == (3, 2)
    latest = Assessment.objects.filter(cell=cell).order_by("-revision").first()
    assert (latest.level, latest.effective_on, latest.recorded_by) == (
        "agreed",
        today,
        users.editor,
    )


def test_a_stale_row_is_named_in_the_preview_and_nothing_is_applied(live_server, users, tmp_path):
    cell = cell_at(17, "DZ")
    base = live_server.url
    with chromium() as page:
        log_in(page, base, "editor_dz")
        page.goto(f"{base}/cells/import/")
        with page.expect_download() as download:
            page.get_by_role("link", name="XLSX").nth(1).click()
        sheet = tmp_path / "cells.xlsx"
        download.value.save_as(sheet)
    assess(users.admin, cell, "partial", datetime.date(2025, 1, 1))  # someone, in between
    before = Assessment.objects.count()
    fill_row(sheet, 17, "DZ", new_level="agreed", rationale_en="Talks resumed.")
    with chromium() as page:
        log_in(page, base, "editor_dz")
        page.goto(f"{base}/cells/import/")
        page.get_by_label("Filled sheet (XLSX or CSV)").set_input_files(str(sheet))
        page.get_by_role("button", name="Preview").click()
        error = page.locator("tr.outcome-error").inner_text()
        assert "version" in error and "17 · DZ changed since your export" in error
        assert page.get_by_role("button", name="Apply: record these rows").count() == 0
    assert Assessment.objects.count() == before
