"""The one CSV writer, for the pages' tables and the API's ``?format=csv``.

Cells are written as plain values (dates in ISO 8601, yes/no, nothing for
None), and a text cell a spreadsheet would run as a formula gets a leading
``'`` (OWASP CSV injection)."""

import csv
import datetime
import io

from django.utils import timezone

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Keep a text cell from being run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def plain(value):
    """A cell as the spreadsheet should read it: numbers stay numbers, the rest
    is text (lazy translations and UUIDs too)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    return str(value)


def csv_text(rows, columns=None):
    """The rows (after a header line of ``columns``, when given) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    if columns is not None:
        writer.writerow([neutralise(plain(c)) for c in columns])
    for row in rows:
        writer.writerow([neutralise(plain(v)) for v in row])
    return out.getvalue()


def dated_filename(parts, as_of=None):
    """``cbm-<parts>-<date>.csv``, dated by ``as_of`` when it is a date (a
    download replaying history says when it was true), else today: two
    downloads the same day get the same name."""
    try:
        day = datetime.date.fromisoformat(as_of or "")
    except ValueError:
        day = timezone.localdate()
    return "-".join(["cbm", *parts, day.isoformat()]) + ".csv"
