"""One CSV writer for the pages and the API: plain values, formulas neutralised."""

import csv
import datetime
import io

from cbm_tracker.api.renderers import CSVRenderer
from measures.pages.common import Table
from measures.reads.csv import csv_text


def parsed(text):
    return list(csv.reader(io.StringIO(text)))


def test_cells_are_plain_values_and_formulas_are_neutralised():
    text = csv_text([[datetime.date(2010, 4, 21), True, None, 3, 0.5, "=1+1", "-2"]], ["a", "@b"])
    assert parsed(text) == [["a", "'@b"], ["2010-04-21", "yes", "", "3", "0.5", "'=1+1", "'-2"]]


def test_the_pages_and_the_api_write_the_same_csv():
    columns, rows = ["country", "name"], [["DZ", "+cmd"], ["MA", None]]
    api = CSVRenderer().render({"columns": columns, "rows": rows}).decode()
    assert api == Table("t", columns, rows, releases=()).csv() == csv_text(rows, columns)
    assert parsed(CSVRenderer().render({"detail": "=bad"}).decode()) == [["detail", "'=bad"]]
