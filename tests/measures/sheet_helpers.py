"""Download a sheet, fill it the way a person would (openpyxl, or a CSV editor),
and read it back: shared by the spreadsheet round-trip tests."""

import csv
import io

from django.test import Client
from openpyxl import Workbook, load_workbook


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def export(user, **params):
    response = client_for(user).get("/cells/export/", params)
    assert response.status_code == 200, response.content
    return response.content


def xlsx_table(data):
    """The ``cells`` sheet as a header and a list of row dicts (cell values)."""
    sheet = load_workbook(io.BytesIO(data))["cells"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def csv_table(data):
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def fill_xlsx(data, edits):
    """The exported workbook with ``edits`` ({cell id: {column: value}}) typed in."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["cells"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for column, value in edits.get(row[0].value, {}).items():
            row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill_csv(data, edits):
    header, rows = csv_table(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        row.update(edits.get(int(row["cell_id"]), {}))
        writer.writerow([row[c] for c in header])
    return out.getvalue().encode("utf-8")


def xlsx_of(rows, title="cells"):
    """A workbook made from scratch: ``rows`` of values, the first the header."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
