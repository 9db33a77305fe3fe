"""Cells as a spreadsheet to fill offline (XLSX or CSV): the export half of the
round trip; measures/services/imports.py reads the file back.

One row per cell, with what the viewer may see of it — its level *for them*,
the date of that level, its due date and the cell's version *as they read
it* (the import refuses a row whose cell has moved since) — and empty
columns to fill. No text of a cell is ever written as a formula.
"""

import datetime
import io
import re
import zipfile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from ..audit import disclosures
from ..choices import SHEET_COLUMNS, SHEET_FILL_COLUMNS, SHEET_TITLE
from ..models import Cell
from ..rules import due_on
from .csv import csv_text
from .labels import localized
from .worklist import cells_in_scope, due_cells

COLUMNS = SHEET_COLUMNS
FILL_COLUMNS = SHEET_FILL_COLUMNS

# Which cells: the viewer's worklist (due or overdue), their whole scope, or
# whichever cells the filters chose (all by default).
WORKLISTS = {"due": due_cells, "scope": cells_in_scope}

WIDTHS = {"measure_title": 48, "country_name": 22, "partner_name": 22, "rationale_en": 40}


def sheet_cells(user, cells=None, *, worklist="", today=None):
    """The cells of a sheet for ``user``: ``cells`` (a queryset, all by
    default) narrowed to a worklist when one is named, each with the level,
    version and due date *for this user*, in a constant number of queries.
    The assessment behind each level is noted for the disclosure ledger (a
    sheet downloaded as CSV releases it)."""
    today = today or timezone.localdate()
    chosen = Cell.objects.all() if cells is None else Cell.objects.filter(pk__in=cells.values("pk"))
    if worklist:
        listed = WORKLISTS[worklist](user, today)
        order = {c.pk: i for i, c in enumerate(listed)}
        chosen = chosen.filter(pk__in=list(order))
    collecting = disclosures.is_collecting()
    rows = list(
        chosen.with_level(user, released=collecting)
        .select_related("measure", "country", "partner")
        .order_by("measure__number", "country_id", "partner_id")
    )
    if worklist:
        rows.sort(key=lambda c: order[c.pk])
    if collecting:
        disclosures.note(level for c in rows if (level := disclosures.level_row(c)))
    for cell in rows:
        cell.due_on = due_on(cell.level, cell.level_effective_on, cell.measure.cadence_days)
    return rows


def sheet_rows(cells):
    """One list of values per cell, in ``COLUMNS`` order (the columns to fill empty)."""
    for cell in cells:
        partner = cell.partner
        yield [
            cell.pk,
            cell.version,
            cell.measure.number,
            localized(cell.measure, "title"),
            cell.country_id,
            localized(cell.country, "name"),
            cell.partner_id or "",
            localized(partner, "name") if partner else "",
            cell.level,
            cell.level_effective_on,
            cell.due_on,
            *([""] * len(FILL_COLUMNS)),
        ]


def csv_bytes(rows):
    """The sheet as UTF-8 CSV with a byte-order mark (so that spreadsheets read
    accented names right), formulas defused by the one CSV writer."""
    return ("\ufeff" + csv_text(rows, COLUMNS)).encode("utf-8")


def xlsx_bytes(rows, today=None):
    """The sheet as an XLSX workbook: dates as dates, numbers as numbers, and
    every text as a string cell — never a formula, whatever it starts with.

    The same rows on the same day give the same bytes (``stamped``), so that
    a download is compared like any other answer (non-interference)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)
    sheet.freeze_panes = "C2"
    sheet.append([text_cell(sheet, name) for name in COLUMNS])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return stamped(out.getvalue(), today or timezone.localdate())


# openpyxl stamps the workbook's properties and each part of the archive with
# the time it was saved; the export's day says as much and no more.
MODIFIED = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def stamped(data, day):
    """The archive again, with every time in it set to ``day`` at midnight."""
    moment = datetime.datetime.combine(day, datetime.time())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def xlsx_cell(sheet, value):
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return text_cell(sheet, str(value))


def text_cell(sheet, text):
    """A string cell: openpyxl takes a text starting with "=" for a formula,
    so the type is set after the value (written as an inline string)."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    return cell
