"""The import half of the spreadsheet round trip: read a filled sheet (XLSX or
CSV, as measures/reads/sheets.py exports it), preview what each row would do,
then record every row in one transaction through ``submit_assessments``.

A row is *unchanged* (nothing filled, or the cell's current level and date
again), a *new assessment* (another level), a *reconfirmation* (the same
level at a later date) or an *error* naming its column and the reason. The
apply step reads the file again, and refuses it whole if any row errs: a
sheet is recorded entirely or not at all. A bad file — not a spreadsheet,
too large, too many rows, no ``cells`` sheet, missing columns — is refused
before any row is read for meaning (``ValidationError`` on ``file``).

Messages name only what the importer may see or typed themselves: a cell's
level and version are theirs (``with_level``), and evidence they may not
see reads exactly like evidence that does not exist.
"""

import csv
import datetime
import io
import uuid
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ..access import viewer_for
from ..choices import SHEET_COLUMNS as COLUMNS
from ..choices import SHEET_FILL_COLUMNS as FILL_COLUMNS
from ..choices import SHEET_TITLE, Level
from ..models import Cell, Evidence, Proposal
from .checks import least_marking_covering
from .review import submit_assessments

UNCHANGED, NEW, RECONFIRM, ERROR = "unchanged", "new", "reconfirmation", "error"
REQUIRED = ("cell_id", "version", *FILL_COLUMNS)
# An XLSX file is a zip archive; this bounds what it may unpack to, so that a
# small file cannot expand into gigabytes of XML (a "zip bomb").
UNPACKED_PER_BYTE = 40
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class Row:
    """One row of the sheet as read: ``line`` is its number in the file (the
    header is line 1), ``values`` its cells by column key, ``formulas`` the
    columns holding a formula."""

    line: int
    values: dict
    formulas: set = field(default_factory=set)


@dataclass
class RowPreview:
    line: int
    outcome: str
    cell: Cell | None = None
    level: str = ""
    effective_on: datetime.date | None = None
    errors: list = field(default_factory=list)  # (column, message)
    entry: dict | None = None  # submit_assessment's arguments, for a row to record

    def refuse(self, column, message):
        self.errors.append((column, message))
        self.outcome = ERROR


@dataclass
class Preview:
    rows: list

    @property
    def errors(self):
        return [row for row in self.rows if row.outcome == ERROR]

    @property
    def ok(self):
        return not self.errors

    def count(self, outcome):
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def to_record(self):
        return [row for row in self.rows if row.entry is not None]


@dataclass
class Applied:
    preview: Preview
    recorded: int = 0
    sent_for_review: int = 0


class ImportRefused(ValidationError):
    """Some rows have errors: nothing was recorded (``preview`` says which)."""

    def __init__(self, preview):
        self.preview = preview
        super().__init__(
            {
                "file": _("%(n)s rows have errors; nothing was recorded.")
                % {"n": len(preview.errors)}
            }
        )


def file_error(message):
    return ValidationError({"file": message})


# --- reading the file -------------------------------------------------------------


def read_rows(data):
    """The data rows of a sheet (``Row``s), or a ``file`` error."""
    max_bytes = settings.CBM_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise file_error(
            _("The file is larger than %(n)s KiB; import it in parts.") % {"n": max_bytes // 1024}
        )
    if not data.strip():
        raise file_error(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        rows = xlsx_rows(data)
    elif data.startswith(OLD_EXCEL_MAGIC):
        raise file_error(_("This is an old Excel (.xls) file: save it as .xlsx or as CSV."))
    else:
        rows = csv_rows(data)
    return keyed(rows)


def xlsx_rows(data):
    """(values, formula flags) per row of the ``cells`` sheet of a workbook."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise file_error(_("The file is not a readable XLSX workbook or CSV file.")) from None
    if unpacked > UNPACKED_PER_BYTE * settings.CBM_IMPORT_MAX_BYTES:
        raise file_error(_("The workbook unpacks to too much data; import it in parts."))
    try:
        # data_only=False: a formula reads as its text, so it is refused, not
        # silently replaced by whatever value a spreadsheet last cached.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        # A damaged or foreign archive raises any of a dozen types (zip, XML,
        # key and value errors): each means "not a workbook we can read".
        raise file_error(_("The file is not a readable XLSX workbook or CSV file.")) from None
    if SHEET_TITLE not in book.sheetnames:
        raise file_error(
            _('The workbook has no sheet named "%(name)s" (it has: %(names)s).')
            % {"name": SHEET_TITLE, "names": ", ".join(book.sheetnames)}
        )
    for cells in book[SHEET_TITLE].iter_rows():
        yield (
            [getattr(c, "value", None) for c in cells],
            [getattr(c, "data_type", None) == "f" for c in cells],
        )


def csv_rows(data):
    # Text never holds a NUL byte; pictures, PDFs and other binaries do.
    if b"\x00" in data:
        raise file_error(_("The file is not a readable XLSX workbook or CSV file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(
            _('The CSV file is not in UTF-8: save it as "CSV UTF-8", or as XLSX.')
        ) from None
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            # A CSV cell holds no formula, only its text: "=..." is one typed
            # into a spreadsheet that saved it unevaluated.
            yield values, [isinstance(v, str) and v.startswith("=") for v in values]
    except csv.Error:
        raise file_error(_("The file is not a readable XLSX workbook or CSV file.")) from None


def keyed(rows):
    """``Row``s keyed by the header's column names; stops past the row limit."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise file_error(_("The file is empty."))
    names = [str(v).strip().lower() if v is not None else "" for v in header[0]]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise file_error(
            _("Missing columns: %(missing)s. Start from an exported sheet (columns: %(all)s).")
            % {"missing": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise file_error(_("Columns named twice: %(names)s.") % {"names": ", ".join(twice)})
    limit = settings.CBM_IMPORT_MAX_ROWS
    found = []
    for line, (values, formulas) in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(found) == limit:
            raise file_error(
                _("The file has more than %(n)s rows; import it in parts of %(n)s rows at most.")
                % {"n": limit}
            )
        found.append(
            Row(
                line,
                {n: v for n, v in zip(names, values, strict=False) if n},
                {n for n, f in zip(names, formulas, strict=False) if n and f},
            )
        )
    if not found:
        raise file_error(_("The file has no rows below its header."))
    return found


# --- the preview ------------------------------------------------------------------


def preview_import(actor, data, today=None):
    """What each row of the file would do for ``actor`` (``Preview``), in a
    constant number of queries; a bad file raises a ``file`` ValidationError."""
    today = today or timezone.localdate()
    rows = read_rows(data)
    ids = {as_int(r.values.get("cell_id")) for r in rows} - {None}
    cells = {
        c.pk: c
        for c in Cell.objects.filter(pk__in=ids)
        .with_level(actor)
        .select_related("measure", "country", "partner")
    }
    wanted = {key for r in rows for key in evidence_keys(r.values.get("evidence"))}
    evidence = {
        str(e.public_id): e
        for e in Evidence.objects.visible_to(actor)
        .filter(public_id__in=[k for k in wanted if is_uuid(k)], retracted=False)
        .select_related("marking")
    }
    viewer = viewer_for(actor)
    seen = {}
    previews = []
    for row in rows:
        preview = RowPreview(row.line, UNCHANGED)
        cell = check_cell(preview, row, cells, viewer, seen)
        if cell is not None and not preview.errors:
            check_row(preview, row, cell, evidence, today)
        previews.append(preview)
    return Preview(previews)


def check_cell(preview, row, cells, viewer, seen):
    """The row's cell, if it names one the actor may record for, at the version read."""
    if refuse_formulas(preview, row, ("cell_id", "version")):
        return None
    raw = row.values.get("cell_id")
    cell = cells.get(as_int(raw))
    if cell is None:
        preview.refuse("cell_id", _("No cell has the id %(id)s.") % {"id": shown(raw)})
        return None
    preview.cell = cell
    if refuse_formulas(preview, row, FILL_COLUMNS):
        return None
    if cell.pk in seen:
        preview.refuse("cell_id", _("This cell is already on row %(n)s.") % {"n": seen[cell.pk]})
        return None
    seen[cell.pk] = row.line
    if not viewer.may_edit_cell(cell):
        preview.refuse(
            "cell_id",
            _("You may not record for %(cell)s: it is outside your country scope.")
            % {"cell": cell.cell_label},
        )
        return None
    version = as_int(row.values.get("version"))
    if version is None:
        preview.refuse("version", _("The version you exported is required."))
    elif version != cell.version:
        preview.refuse(
            "version",
            _(
                "%(cell)s changed since your export: you read version %(read)s, it is now at "
                "version %(now)s. Export it again to see the change."
            )
            % {
                "cell": f"{cell.measure.number} · {cell.cell_label}",
                "read": version,
                "now": cell.version,
            },
        )
    return cell


def refuse_formulas(preview, row, columns):
    """A formula is refused, not evaluated: what it computes is the sheet's
    business, what is recorded must be what the person typed."""
    for column in columns:
        if column in row.formulas:
            preview.refuse(column, _("A formula: type the value itself."))
    return bool(preview.errors)


def check_row(preview, row, cell, evidence, today):
    """The columns to fill: unchanged, a new assessment, a reconfirmation or errors."""
    values = {c: row.values.get(c) for c in FILL_COLUMNS}
    if all(v is None or str(v).strip() == "" for v in values.values()):
        return
    level = str(values["new_level"] or "").strip().lower()
    if not level:
        preview.refuse(
            "new_level", _("Give the new level, or leave all the columns to fill empty.")
        )
    elif level not in Level.values:
        preview.refuse(
            "new_level",
            _('"%(value)s" is not a level; give one of: %(levels)s.')
            % {"value": shown(values["new_level"]), "levels": ", ".join(Level.values)},
        )
    effective_on = check_date(preview, values["new_effective_on"], today)
    rationale_en = text(values["rationale_en"])
    rationale_fr = text(values["rationale_fr"])
    if not (rationale_en or rationale_fr):
        preview.refuse("rationale_en", _("Say why: a rationale is required (English or French)."))
    cited = check_evidence(preview, values["evidence"], evidence)
    if preview.errors:
        return
    preview.level, preview.effective_on = level, effective_on
    if level == cell.level and effective_on == cell.level_effective_on:
        return
    if level == cell.level:
        if cell.level_effective_on is not None and effective_on < cell.level_effective_on:
            preview.refuse(
                "new_effective_on",
                _("A reconfirmation must be dated after the current level's date (%(date)s).")
                % {"date": cell.level_effective_on.isoformat()},
            )
            return
        preview.outcome = RECONFIRM
    else:
        preview.outcome = NEW
    preview.entry = {
        "cell": cell,
        "level": level,
        "effective_on": effective_on,
        "expected_version": cell.version,
        "rationale_en": rationale_en,
        "rationale_fr": rationale_fr,
        "evidence": cited,
    }


def check_date(preview, value, today):
    """The effective date: a date cell or YYYY-MM-DD text; today when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    raw = value
    if isinstance(value, datetime.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        preview.refuse(
            "new_effective_on",
            _('"%(value)s" is not a date: write it as YYYY-MM-DD.') % {"value": shown(raw)},
        )
        return None
    if value > today:
        preview.refuse(
            "new_effective_on",
            _("The effective date is in the future; record what is already true."),
        )
    return value


def check_evidence(preview, raw, evidence):
    """The evidence items the row cites: ids the actor may see, under one marking."""
    keys = evidence_keys(raw)
    unknown = [k for k in keys if k not in evidence]
    if unknown:
        # Hidden and non-existent evidence read the same: only the typed id is named.
        preview.refuse(
            "evidence",
            _("Unknown or retracted evidence: %(ids)s.") % {"ids": ", ".join(unknown)},
        )
        return []
    cited = [evidence[k] for k in keys]
    try:
        least_marking_covering([e.marking for e in cited])
    except ValidationError as exc:
        preview.refuse("evidence", " ".join(exc.messages))
    return cited


def evidence_keys(raw):
    """Evidence ids in a cell: separated by commas, semicolons or spaces, any case."""
    if raw is None:
        return []
    keys = str(raw).replace(",", " ").replace(";", " ").lower().split()
    return list(dict.fromkeys(keys))


def is_uuid(key):
    try:
        uuid.UUID(key)
    except ValueError:
        return False
    return True


def as_int(value):
    """A whole number from a spreadsheet cell (12, 12.0 or "12"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return as_int(int(value))
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.strip().isdigit():
        return as_int(int(value.strip()))
    return None


def text(value):
    return "" if value is None else str(value).strip()


def shown(value):
    """A typed value quoted back in a message, cut short."""
    value = "" if value is None else str(value)
    return value if len(value) <= 40 else value[:39] + "…"


# --- applying ---------------------------------------------------------------------


def apply_import(actor, data, today=None, message=""):
    """Read the file again and record its rows in one transaction: every row
    that is not unchanged, through ``submit_assessments`` (a result may be a
    Proposal awaiting review). Any row in error refuses the whole file
    (``ImportRefused``); a cell written since the preview refuses it with
    ``StaleVersion``, naming the cell."""
    preview = preview_import(actor, data, today)
    if not preview.ok:
        raise ImportRefused(preview)
    applied = Applied(preview)
    entries = [row.entry for row in preview.to_record]
    if not entries:
        return applied
    message = message or _("Imported from a spreadsheet: %(n)s cells") % {"n": len(entries)}
    for result in submit_assessments(actor, entries, message=message):
        if isinstance(result, Proposal):
            applied.sent_for_review += 1
        else:
            applied.recorded += 1
    return applied
