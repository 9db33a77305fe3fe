"""The spreadsheet round trip (issue 14 point 8): export cells, fill the sheet
offline, preview the import, apply it in one transaction — and every bad file
or bad row refused by name, with nothing half-written."""

import datetime
import io
import time
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from measures import services
from measures.audit.revisions import StaleVersion
from measures.models import Assessment, Measure
from measures.reads import sheets
from measures.services.imports import ImportRefused
from tests.factories import EvidenceFactory, assess, cell_at, marking
from tests.measures.sheet_helpers import (
    client_for,
    csv_table,
    export,
    fill_csv,
    fill_xlsx,
    xlsx_of,
    xlsx_table,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def no_review(settings):
    # These tests look at what is recorded; review by a second person has its own tests.
    settings.CBM_REVIEW = "none"


def outcomes(preview):
    return {row.cell.pk if row.cell else row.line: row.outcome for row in preview.rows}


def errors(preview):
    return [(row.line, column, message) for row in preview.rows for column, message in row.errors]


def test_the_export_has_one_row_per_cell_with_the_viewers_level_version_and_due_date(users):
    header, rows = xlsx_table(export(users.editor, format="xlsx", country="DZ", measure="17"))
    assert header == list(sheets.COLUMNS)
    cell = cell_at(17, "DZ")
    (row,) = rows
    assert row["cell_id"] == cell.pk
    assert row["version"] == cell.version_for(users.editor)
    assert (row["measure"], row["country"], row["country_name"]) == (17, "DZ", "Algeria")
    assert row["measure_title"] == Measure.objects.get(number=17).title_en
    assert row["level"] == "suspended"
    assert row["effective_on"].date() == D(2013, 1, 1)
    assert row["due_on"] is not None
    assert all(row[c] is None for c in sheets.FILL_COLUMNS)


def test_the_worklist_exports_the_due_cells_in_scope_earliest_first(users):
    _header, rows = csv_table(export(users.editor, format="csv", worklist="due"))
    assert rows and {r["country"] for r in rows} | {r["partner"] for r in rows} >= {"DZ"}
    dues = [r["due_on"] for r in rows]
    assert dues == sorted(dues) and all(
        d <= (TODAY + datetime.timedelta(days=7)).isoformat() for d in dues
    )
    _header, scope = csv_table(export(users.editor, format="csv", worklist="scope"))
    assert len(scope) >= len(rows)
    for r in scope:
        assert "DZ" in (r["country"], r["partner"]) or "MA" in (r["country"], r["partner"])


def test_a_filtered_export_takes_the_cell_filters(users):
    _header, rows = csv_table(export(users.reader, format="csv", domain="military", country="MA"))
    assert rows
    assert all("MA" in (r["country"], r["partner"]) for r in rows)
    numbers = set(Measure.objects.filter(domain="military").values_list("number", flat=True))
    assert {int(r["measure"]) for r in rows} <= numbers
    bad = client_for(users.reader).get("/cells/export/", {"format": "pdf"})
    assert bad.status_code == 400
    bad = client_for(users.reader).get("/cells/export/", {"format": "csv", "country": "ZZ"})
    assert bad.status_code == 400 and b"country" in bad.content


def test_formulas_are_defused_in_both_exports(users):
    measure = Measure.objects.get(number=17)
    measure.title_en = '=HYPERLINK("http://evil.example","click")'
    services.save_reference(users.admin, measure, expected_version=measure.version)
    data = export(users.editor, format="xlsx", country="DZ", measure="17")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "HYPERLINK" in sheet_xml
    _header, rows = xlsx_table(data)
    assert rows[0]["measure_title"].startswith("=HYPERLINK")  # a string cell, not a formula
    _header, rows = csv_table(export(users.editor, format="csv", country="DZ", measure="17"))
    assert rows[0]["measure_title"].startswith("'=HYPERLINK")


def test_xlsx_round_trip_records_a_new_level_and_a_reconfirmation_in_one_revision(users):
    changed, reconfirmed, untouched = cell_at(17, "DZ"), cell_at(6, "DZ"), cell_at(1, "DZ")
    data = export(users.editor, format="xlsx", country="DZ", measure="17,6,1")
    level6 = changed_level = None
    _header, rows = xlsx_table(data)
    level6 = next(r["level"] for r in rows if r["cell_id"] == reconfirmed.pk)
    changed_level = "agreed"
    filled = fill_xlsx(
        data,
        {
            changed.pk: {
                "new_level": changed_level,
                "new_effective_on": datetime.datetime(2026, 3, 1),
                "rationale_en": "Talks resumed.",
            },
            reconfirmed.pk: {
                "new_level": level6,
                "new_effective_on": "2026-02-01",
                "rationale_fr": "Toujours vrai.",
            },
        },
    )
    preview = services.preview_import(users.editor, filled)
    assert preview.ok, errors(preview)
    assert outcomes(preview)[changed.pk] == "new"
    assert outcomes(preview)[reconfirmed.pk] == "reconfirmation"
    assert outcomes(preview)[untouched.pk] == "unchanged"
    assert (
        Assessment.objects.filter(cell__in=[changed, reconfirmed], effective_on__year=2026).count()
        == 0
    )

    applied = services.apply_import(users.editor, filled)
    assert (applied.recorded, applied.sent_for_review) == (2, 0)
    new = Assessment.objects.filter(cell__in=[changed, reconfirmed], effective_on__year=2026)
    assert {(a.cell_id, a.level) for a in new} == {(changed.pk, "agreed"), (reconfirmed.pk, level6)}
    assert len({a.revision for a in new}) == 1  # one transaction, one revision
    assert new.get(cell=reconfirmed).rationale_fr == "Toujours vrai."


def test_csv_round_trip(users):
    cell = cell_at(17, "MA")
    data = export(users.editor, format="csv", country="MA", measure="17")
    filled = fill_csv(
        data,
        {
            cell.pk: {
                "new_level": "partial",
                "new_effective_on": "2026-01-15",
                "rationale_en": "Yes.",
            }
        },
    )
    preview = services.preview_import(users.editor, filled)
    assert outcomes(preview) == {cell.pk: "new"}
    services.apply_import(users.editor, filled)
    latest = Assessment.objects.filter(cell=cell).order_by("-revision").first()
    assert (latest.level, latest.effective_on) == ("partial", D(2026, 1, 15))


def test_a_cell_changed_since_the_export_is_refused_and_named(users):
    cell = cell_at(17, "DZ")
    data = export(users.editor, format="xlsx", country="DZ", measure="17")
    filled = fill_xlsx(data, {cell.pk: {"new_level": "agreed", "rationale_en": "Why."}})
    read = cell.version_for(users.editor)
    assess(users.admin, cell, "partial", D(2025, 1, 1))  # someone else, in between
    preview = services.preview_import(users.editor, filled)
    ((line, column, message),) = errors(preview)
    assert column == "version"
    assert "17 · DZ" in message and f"version {read}" in message
    before = Assessment.objects.count()
    with pytest.raises(ImportRefused):
        services.apply_import(users.editor, filled)
    assert Assessment.objects.count() == before


def test_a_write_between_preview_and_apply_refuses_the_whole_file(users):
    """The version is checked again under the cells' locks by the service."""
    first, second = cell_at(17, "DZ"), cell_at(6, "DZ")
    data = export(users.editor, format="csv", country="DZ", measure="17,6")
    filled = fill_csv(
        data,
        {
            first.pk: {"new_level": "agreed", "rationale_en": "One."},
            second.pk: {"new_level": "not_started", "rationale_en": "Two."},
        },
    )
    preview = services.preview_import(users.editor, filled)
    assert preview.ok
    before = Assessment.objects.count()
    entries = [row.entry for row in preview.to_record]
    assess(users.admin, second, "partial", D(2025, 1, 1))
    with pytest.raises(StaleVersion):
        services.submit_assessments(users.editor, entries)
    assert Assessment.objects.count() == before + 1  # the admin's, nothing of the file


def test_each_bad_row_is_named_by_column_and_nothing_is_written(users):
    hidden = EvidenceFactory(marking=marking("confidential"), cells=[cell_at(2, "DZ", "MA")])
    visible = EvidenceFactory(cells=[cell_at(10, "DZ")])
    data = export(users.editor, format="xlsx", country="DZ", measure="1,4,5,6,7,10,11,12")
    # Measures 1, 4-7 and 10-12 are national or regional: one cell for DZ each.
    c = dict(zip((1, 3, 4, 5, 6, 7, 8, 9), (1, 4, 5, 6, 7, 10, 11, 12), strict=True))
    c = {key: cell_at(number, "DZ").pk for key, number in c.items()}
    future = TODAY + datetime.timedelta(days=3)
    filled = fill_xlsx(
        data,
        {
            c[1]: {"new_level": "excellent", "rationale_en": "x"},
            c[3]: {"new_level": "agreed", "new_effective_on": "31/12/2020", "rationale_en": "x"},
            c[4]: {
                "new_level": "agreed",
                "new_effective_on": future.isoformat(),
                "rationale_en": "x",
            },
            c[5]: {"new_level": "agreed", "rationale_en": "=1+1"},
            c[6]: {"new_level": "agreed", "rationale_en": "x", "evidence": str(hidden.public_id)},
            c[7]: {"new_level": "agreed"},
            c[8]: {"rationale_en": "a reason but no level"},
            c[9]: {
                "new_level": "agreed",
                "rationale_en": "Fine.",
                "evidence": str(visible.public_id),
            },
        },
    )
    preview = services.preview_import(users.editor, filled)
    by_cell = {row.cell.pk: row for row in preview.rows}
    assert by_cell[c[1]].errors[0][0] == "new_level" and "excellent" in by_cell[c[1]].errors[0][1]
    assert by_cell[c[3]].errors == [
        ("new_effective_on", '"31/12/2020" is not a date: write it as YYYY-MM-DD.')
    ]
    assert (
        by_cell[c[4]].errors[0][0] == "new_effective_on" and "future" in by_cell[c[4]].errors[0][1]
    )
    assert by_cell[c[5]].errors == [("rationale_en", "A formula: type the value itself.")]
    assert by_cell[c[6]].errors == [
        ("evidence", f"Unknown or retracted evidence: {hidden.public_id}.")
    ]
    assert by_cell[c[7]].errors[0][0] == "rationale_en"
    assert by_cell[c[8]].errors[0][0] == "new_level"
    assert by_cell[c[9]].outcome == "new"
    before = Assessment.objects.count()
    with pytest.raises(ImportRefused) as refused:
        services.apply_import(users.editor, filled)
    assert len(refused.value.preview.errors) == 7
    assert Assessment.objects.count() == before


def test_unknown_cells_cells_out_of_scope_and_repeated_rows_are_refused(users):
    header = list(sheets.COLUMNS)
    blank = [""] * len(sheets.FILL_COLUMNS)
    tn = cell_at(17, "TN")
    dz = cell_at(17, "DZ")
    rows = [
        header,
        [999999, 1, *[""] * 9, "agreed", "", "x", "", ""],
        [tn.pk, tn.version_for(users.editor), *[""] * 9, "agreed", "", "x", "", ""],
        [dz.pk, dz.version_for(users.editor), *[""] * 9, *blank],
        [dz.pk, dz.version_for(users.editor), *[""] * 9, *blank],
    ]
    preview = services.preview_import(users.editor, xlsx_of(rows))
    assert errors(preview) == [
        (2, "cell_id", "No cell has the id 999999."),
        (3, "cell_id", "You may not record for TN: it is outside your country scope."),
        (5, "cell_id", "This cell is already on row 4."),
    ]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a readable XLSX workbook or CSV"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel (.xls)"),
        (lambda: b"", "empty"),
        (lambda: "cell_id;Alg\u00e9rie".encode("cp1252"), 'not in UTF-8: save it as "CSV UTF-8"'),
        (lambda: b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        (lambda: zip_with("hello.txt", b"hi"), "not a readable XLSX workbook"),
        (lambda: xlsx_of([list(sheets.COLUMNS)], title="Sheet1"), 'no sheet named "cells"'),
        (lambda: xlsx_of([["cell_id", "new_level"], [1, "agreed"]]), "Missing columns: version"),
        (lambda: b"cell_id,version\n1,2\n", "Missing columns: version"[:16]),
        (lambda: xlsx_of([list(sheets.COLUMNS)]), "no rows below its header"),
        (lambda: ",".join([*sheets.COLUMNS, "level"]).encode() + b"\n1\n", "named twice: level"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error_and_nothing_written(users, make, says):
    before = Assessment.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.apply_import(users.editor, make())
    (message,) = refused.value.message_dict["file"]
    assert says in message
    assert Assessment.objects.count() == before


def zip_with(name, content):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


def test_an_oversized_file_is_refused_before_it_is_read(users, settings):
    settings.CBM_IMPORT_MAX_BYTES = 4096
    data = export(users.editor, format="csv", worklist="scope")
    assert len(data) > 4096
    with pytest.raises(ValidationError) as refused:
        services.preview_import(users.editor, data)
    assert "larger than 4 KiB" in refused.value.message_dict["file"][0]


def test_a_workbook_that_unpacks_to_too_much_is_refused(users, settings):
    settings.CBM_IMPORT_MAX_BYTES = 2048
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 200_000)
    with pytest.raises(ValidationError) as refused:
        services.preview_import(users.editor, out.getvalue())
    assert "unpacks to too much" in refused.value.message_dict["file"][0]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_thousand_rows_get_a_clear_error_quickly(users, settings, kind):
    """Decision (docs/pages.md): at most CBM_IMPORT_MAX_ROWS rows (2,000) per
    file; a 10^4-row file (about 400 KB either way: under the byte limit) is
    refused whole after reading one row past the limit, and nothing is written."""
    cell = cell_at(17, "DZ")
    row = [cell.pk, 1, *[""] * 9, "agreed", "2020-01-01", "x", "", ""]
    rows = [list(sheets.COLUMNS), *[row] * 10_000]
    if kind == "xlsx":
        data = xlsx_of(rows)
    else:
        data = "\n".join(",".join(map(str, r)) for r in rows).encode()
    assert len(data) <= settings.CBM_IMPORT_MAX_BYTES
    before = Assessment.objects.count()
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        services.apply_import(users.editor, data)
    elapsed = time.perf_counter() - started
    assert refused.value.message_dict["file"] == [
        "The file has more than 2000 rows; import it in parts of 2000 rows at most."
    ]
    assert Assessment.objects.count() == before
    assert elapsed < 10, elapsed


def test_the_preview_reads_a_sheet_in_a_constant_number_of_queries(
    users, django_assert_max_num_queries
):
    small = export(users.admin, format="csv", country="DZ", measure="17")
    large = export(users.admin, format="csv")
    assert len(csv_table(large)[1]) > 500
    services.preview_import(users.admin, small)  # warm the viewer's cache
    with django_assert_max_num_queries(6) as small_queries:
        services.preview_import(users.admin, small)
    with django_assert_max_num_queries(len(small_queries)):
        preview = services.preview_import(users.admin, large)
    assert preview.ok and preview.count("unchanged") == len(preview.rows)


def test_the_import_page_walks_upload_preview_apply(users):
    cell = cell_at(17, "DZ")
    client = client_for(users.editor)
    data = client.get("/cells/export/", {"format": "xlsx", "country": "DZ", "measure": "17"})
    filled = fill_xlsx(data.content, {cell.pk: {"new_level": "agreed", "rationale_en": "Ok."}})
    upload = io.BytesIO(filled)
    upload.name = "cells.xlsx"
    page = client.post("/cells/import/", {"file": upload})
    assert page.status_code == 200
    assert "new assessment" in page.content.decode()
    token = page.context["token"]
    assert not Assessment.objects.filter(cell=cell, level="agreed", effective_on=TODAY).exists()
    tampered = client.post("/cells/import/", {"token": token[:-2] + "xx"})
    assert tampered.status_code == 400 and "expired or was altered" in tampered.content.decode()
    stolen = client_for(users.admin).post("/cells/import/", {"token": token})
    assert stolen.status_code == 400  # the token is bound to the user who uploaded
    done = client.post("/cells/import/", {"token": token}, follow=True)
    assert "Imported: 1 recorded, 0 sent for review." in done.content.decode()
    assert Assessment.objects.filter(cell=cell, level="agreed", effective_on=TODAY).exists()
    again = client.post("/cells/import/", {"token": token})
    assert again.status_code == 400  # the same file again: its version is stale now
    assert "changed since your export" in again.content.decode()


def test_the_import_page_shows_a_bad_file_on_the_form(users):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    upload.name = "picture.png"
    page = client_for(users.editor).post("/cells/import/", {"file": upload})
    assert page.status_code == 400
    assert "not a readable XLSX workbook or CSV file" in page.content.decode()


def test_only_editors_and_admins_import(users):
    assert client_for(users.reader).get("/cells/import/").status_code == 403
    assert client_for(users.analyst).get("/cells/import/").status_code == 403
    assert client_for(users.editor).get("/cells/import/").status_code == 200
    assert client_for(users.admin).get("/cells/import/").status_code == 200


def test_the_command_previews_applies_and_exits_non_zero_on_errors(users, tmp_path, capsys):
    cell = cell_at(17, "DZ")
    data = export(users.editor, format="csv", country="DZ", measure="17")
    good = tmp_path / "good.csv"
    good.write_bytes(fill_csv(data, {cell.pk: {"new_level": "agreed", "rationale_en": "Ok."}}))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(fill_csv(data, {cell.pk: {"new_level": "great", "rationale_en": "Ok."}}))
    call_command("import_cells", str(good), "--as", "editor_dz")
    assert "17 · DZ: new" in capsys.readouterr().out
    assert not Assessment.objects.filter(cell=cell, level="agreed", effective_on=TODAY).exists()
    with pytest.raises(CommandError, match="1 rows have errors"):
        call_command("import_cells", str(bad), "--as", "editor_dz", "--apply")
    assert "new_level" in capsys.readouterr().err
    call_command("import_cells", str(good), "--as", "editor_dz", "--apply")
    assert "recorded 1, sent for review 0" in capsys.readouterr().out
    assert Assessment.objects.filter(cell=cell, level="agreed", effective_on=TODAY).exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("import_cells", str(good), "--as", "nobody")


def test_the_same_rows_on_the_same_day_give_the_same_workbook_bytes():
    rows = [[1, 2, 6, "Title", "DZ", "Algeria", "", "", "partial", D(2010, 1, 1), None]]
    with time_machine.travel(datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)):
        morning = sheets.xlsx_bytes(rows)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 17, 30, tzinfo=datetime.UTC)):
        evening = sheets.xlsx_bytes(rows)
    assert morning == evening
    with zipfile.ZipFile(io.BytesIO(morning)) as archive:
        assert b"2026-05-01T00:00:00Z" in archive.read("docProps/core.xml")
