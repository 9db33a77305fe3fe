"""Citable data packages: one zip per viewer and date, with the scorecards'
tables as CSV (names and codes), the evidence behind them, the data
dictionary, a Frictionless ``datapackage.json`` (Data Package v1, tabular)
and a citation line.

Everything comes from the reads every other output uses (scorecards,
exports, the CSV writer, the dictionary) and the ``visible_to`` querysets,
so a package holds exactly what its viewer may see.

Three decisions, each for citing:

- **Same state, same bytes.** Entries are sorted, stamped with the package
  date (not the moment of download) and written in English whatever the
  reader's language (names and titles in French sit in their own columns),
  so two downloads of one state compare equal and a citation names one file.
- **The version counts nothing hidden.** It is a keyed hash of the latest
  revision the viewer may see and their visibility key: it moves exactly
  when something they see is written, and, keyed with the site's secret,
  cannot be reversed into the revision number (a plain hash of a small
  integer can be, by trying them all).
- **The marking ceiling is that of the rows the package was computed from**,
  not the viewer's clearance: a public reader's package says PUBLIC, an
  analyst's says CONFIDENTIAL only when confidential rows went into it. It
  reads only rows the viewer may see, so it says nothing of hidden ones.
"""

import datetime
import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac

from countries.models import Initiative, Membership
from measures.access import viewer_for
from measures.audit import disclosures
from measures.audit.handles import opaque
from measures.audit.revisions import latest_revision_for

from ..choices import MarkingLevel
from ..models import Assessment, Cell, Evidence, Marking, Measure, Source
from . import dictionary, exports, list_tables, scorecards
from .csv import csv_text

NAME = "cbm-tracker"
TITLE = "CBM Tracker data package"
# The seeds state no licence, so the package claims none (datapackage.json
# "licenses" is optional); what the data rests on is listed in "sources".
RIGHTS = (
    "No licence is stated for this data. It is compiled from the sources listed "
    "in datapackage.json; their terms apply. Handle it at its marking ceiling."
)

# Table Schema types of the dictionary's units (anything else is a string),
# matched by identity: the units are lazy translations.
TYPES = [
    (dictionary.COUNT, "integer"),
    (dictionary.DATE, "date"),
    (dictionary.SHARE, "number"),
    (dictionary.COLUMNS["value"][1], "number"),
    (dictionary.COLUMNS["delta"][1], "number"),
    (dictionary.YES_NO, "boolean"),
]
# Code lists whose codes are the cells' only values (markings are written as
# keys with their parties, grades as letter + digit: no enum for those).
ENUMS = ("level", "scope", "domain", "kind", "role")
# Builds of one package before giving up on a state that keeps moving.
ATTEMPTS = 3

# The dictionary's own columns, described here since the dictionary cannot
# list itself without a loop. In English only, like the whole package.
DICTIONARY_FIELDS = {
    "column": "A column name used in the CSV files.",
    "meaning": "What the column holds.",
    "unit": "Its unit, format or code list.",
    "list": "The code list (the unit of the columns that use it).",
    "code": "A code as the CSV files write it.",
    "label": "What the code means.",
    "weight": "The weight of a level in the score (empty: left out).",
}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list
    rows: list
    primary_key: tuple = ()


@dataclass(frozen=True)
class Citation:
    day: datetime.date  # the date the package is made
    as_of: datetime.date | None
    version: str
    ceiling: str
    markings: tuple  # keys of the markings of the rows it was computed from
    url: str

    @property
    def filename(self):
        suffix = f"-as-of-{self.as_of.isoformat()}" if self.as_of else ""
        return f"{NAME}-{self.day.isoformat()}{suffix}.zip"

    @property
    def line(self):
        data = (self.as_of or self.day).isoformat()
        made = f" (package of {self.day.isoformat()})" if self.as_of else ""
        return (
            f"CBM Tracker, data as of {data}{made}, version {self.version}, "
            f"marking ceiling {self.ceiling}, {self.url}"
        )


@dataclass(frozen=True)
class Package:
    citation: Citation
    content: bytes

    @property
    def filename(self):
        return self.citation.filename


def package_version(user):
    """Opaque, per viewer: moves exactly when something the viewer sees is written."""
    state = f"{latest_revision_for(user)}|{viewer_for(user).key}"
    return salted_hmac("cbm-data-package", state).hexdigest()[:16]


def included_markings(user, as_of=None):
    """The markings of every row the package is computed from: the assessments
    and evidence behind its levels and counts, and the initiatives, memberships
    and sources it lists — all as the viewer sees them, up to ``as_of``."""
    assessments = Assessment.objects.visible_to(user).filter(retracted=False)
    if as_of is not None:
        assessments = assessments.filter(effective_on__lte=as_of)
    used = (
        Q(pk__in=assessments.values("marking_id"))
        | Q(pk__in=evidence(user, as_of).values("marking_id"))
        | Q(pk__in=Source.objects.visible_to(user).values("marking_id"))
        | Q(pk__in=initiatives(user, as_of).values("marking_id"))
        | Q(pk__in=memberships(user, as_of).values("marking_id"))
    )
    return list(Marking.objects.filter(used).order_by("rank", "key"))


def ceiling(markings):
    """The marking the package must be handled at: the highest level, and every
    releasable-to list that applies (a reader must be on each one; a list that
    includes another adds nothing). ``CONFIDENTIAL//REL MA, NATO``."""
    level = max(markings, key=lambda m: m.rank).level if markings else MarkingLevel.PUBLIC
    lists = {frozenset(c.upper() for c in m.releasable_codes) for m in markings}
    lists.discard(frozenset())
    needed = sorted(
        (sorted(codes) for codes in lists if not any(other < codes for other in lists)),
    )
    return "//".join([str(level).upper(), *(f"REL {', '.join(codes)}" for codes in needed)])


def package_url(as_of=None):
    """Where the package is found again: the site's page for it (the site's
    configured address, not whichever host a request came through)."""
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    return settings.CBM_SITE_URL.rstrip("/") + reverse("data-package") + query


def cite(user, *, as_of=None, day=None):
    """The package's citation, without building it (the page shows it)."""
    markings = included_markings(user, as_of)
    return Citation(
        day=day or datetime.date.today(),
        as_of=as_of,
        version=package_version(user),
        ceiling=ceiling(markings),
        markings=tuple(m.key for m in markings),
        url=package_url(as_of),
    )


def initiatives(user, as_of=None):
    rows = Initiative.objects.visible_to(user)
    if as_of is not None:
        rows = rows.filter(Q(started_on__isnull=True) | Q(started_on__lte=as_of))
    return rows


def evidence(user, as_of=None):
    """The evidence behind the levels and counts, as the scorecards count it
    (``evidence_by_cell``): on a cell, not retracted, occurred by ``as_of``.
    One row per link to a cell: ``distinct()`` it to list it."""
    rows = Evidence.objects.visible_to(user).filter(retracted=False, cells__isnull=False)
    if as_of is not None:
        rows = rows.filter(occurred_on__lte=as_of)
    return rows


def evidence_table(user, as_of=None):
    """``evidence.csv``: oldest first, then by public id (random, but fixed),
    so that one state writes one file; each row's initiatives are those the
    package lists. The ledger hears of every row: the table is its content."""
    rows = list(
        evidence(user, as_of)
        .distinct()
        .select_related("source", "marking")
        .prefetch_related(
            Prefetch("cells", queryset=Cell.objects.select_related("measure")),
            Prefetch(
                "initiatives", queryset=initiatives(user, as_of), to_attr="visible_initiatives"
            ),
        )
        .order_by("occurred_on", "public_id")
    )
    disclosures.note(rows)
    return list_tables.package_evidence_table(rows)


def memberships(user, as_of=None):
    rows = Membership.objects.visible_to(user).filter(initiative__in=initiatives(user, as_of))
    if as_of is not None:
        rows = rows.filter(Q(start__isnull=True) | Q(start__lte=as_of))
    return rows


def note_reference_rows(initiative_rows, membership_rows):
    """Marked initiatives and memberships go out in the package too: the
    disclosure ledger hears of them (the scorecards note their own rows)."""
    if not disclosures.is_collecting():
        return
    marked = {"marking__isnull": False}
    disclosures.note(
        ("countries.initiative", slug, marking_id, level)
        for slug, marking_id, level in initiative_rows.filter(**marked).values_list(
            "slug", "marking_id", "marking__level"
        )
    )
    disclosures.note(
        ("countries.membership", opaque(Membership, pk), marking_id, level)
        for pk, marking_id, level in membership_rows.filter(**marked).values_list(
            "pk", "marking_id", "marking__level"
        )
    )


# --- the tables ------------------------------------------------------------------


def tables(user, as_of=None):
    """The package's CSV tables, as the viewer sees them on ``as_of``."""
    card = scorecards.countries_scorecard(user, as_of)
    names = {row["country"]: row["name_en"] for row in card["results"]}
    matrix = exports.matrix_table(scorecards.matrix(user, as_of))
    measures = Measure.objects.order_by("number").values_list(
        "number", "title_en", "title_fr", "domain", "scope"
    )
    initiative_rows = initiatives(user, as_of).order_by("slug")
    membership_rows = memberships(user, as_of).order_by(
        "initiative__slug", "country_id", "start", "role"
    )
    note_reference_rows(initiative_rows, membership_rows)
    return [
        Table(
            "countries",
            "Countries scorecard",
            **exports.countries_table(card),
            primary_key=("country",),
        ),
        Table(
            "matrix",
            "Every country's level on every measure",
            columns=[matrix["columns"][0], "name_en", *matrix["columns"][1:]],
            rows=[[row[0], names.get(row[0]), *row[1:]] for row in matrix["rows"]],
            primary_key=("country",),
        ),
        Table(
            "measures",
            "The twenty measures",
            columns=["number", "title_en", "title_fr", "domain", "scope"],
            rows=list(measures),
            primary_key=("number",),
        ),
        Table(
            "evidence",
            "The evidence behind the levels",
            **evidence_table(user, as_of),
            primary_key=("id",),
        ),
        Table(
            "initiatives",
            "Initiatives",
            columns=[
                "slug",
                "acronym",
                "name_en",
                "name_fr",
                "kind",
                "started_on",
                "ended_on",
                "marking",
            ],
            rows=list(
                initiative_rows.values_list(
                    "slug",
                    "acronym",
                    "name_en",
                    "name_fr",
                    "kind",
                    "started_on",
                    "ended_on",
                    "marking__key",
                )
            ),
            primary_key=("slug",),
        ),
        Table(
            "memberships",
            "Who belongs to which initiative, when",
            columns=["initiative", "country", "role", "start", "end", "marking"],
            rows=list(
                membership_rows.values_list(
                    "initiative__slug", "country_id", "role", "start", "end", "marking__key"
                )
            ),
        ),
    ]


def dictionary_tables(columns):
    """The data dictionary's entries for ``columns``, and the code lists."""
    rows = []
    for name in sorted(set(columns)):
        meaning, unit = dictionary.describe(name)
        rows.append([name, str(meaning), str(unit)])
    codes = [
        [name, code, str(label), weight]
        for name, entries in sorted(dictionary.code_lists().items())
        for code, label, weight in entries
    ]
    return [
        Table(
            "data-dictionary",
            "What every column holds",
            ["column", "meaning", "unit"],
            rows,
            primary_key=("column",),
        ),
        Table(
            "codes",
            "The codes the columns use",
            ["list", "code", "label", "weight"],
            codes,
            primary_key=("list", "code"),
        ),
    ]


# --- datapackage.json ------------------------------------------------------------------


def field(name):
    described = dictionary.describe(name)
    if described is None:  # the dictionary's own columns
        return {
            "name": name,
            "type": "number" if name == "weight" else "string",
            "description": DICTIONARY_FIELDS[name],
        }
    meaning, unit = described
    kind = next((kind for known, kind in TYPES if unit is known), "string")
    spec = {"name": name, "type": kind, "description": str(meaning)}
    if spec["type"] == "boolean":
        spec.update(trueValues=["yes"], falseValues=["no"])
    if isinstance(unit, str) and unit in ENUMS:
        spec["constraints"] = {"enum": [code for code, _label, _w in dictionary.code_lists()[unit]]}
    return spec


def resource(table):
    schema = {"fields": [field(name) for name in table.columns]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "title": table.title,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def descriptor(citation, all_tables, sources):
    return {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": TITLE,
        # Not SemVer (the spec's "should"): an opaque name of the viewer's state.
        "version": citation.version,
        "created": f"{citation.day.isoformat()}T00:00:00Z",
        "description": f"{TITLE}, data as of {(citation.as_of or citation.day).isoformat()}. "
        f"{RIGHTS}",
        "homepage": citation.url,
        "citation": citation.line,
        "marking": citation.ceiling,
        "as_of": citation.as_of.isoformat() if citation.as_of else None,
        "sources": [{"title": title, **({"path": url} if url else {})} for title, url in sources],
        "resources": [resource(t) for t in all_tables],
    }


# --- the zip ------------------------------------------------------------------------


def zipped(files, day):
    """``{name: bytes}`` as a zip whose bytes depend on nothing but the files and
    the day: sorted entries, every one stamped with the day at midnight."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the host
            archive.writestr(info, files[name])
    return out.getvalue()


def package_files(user, citation):
    """``{name: bytes}``: the CSV tables, datapackage.json and CITATION.txt."""
    data = tables(user, citation.as_of)
    columns = [c for t in data for c in t.columns]
    all_tables = [*data, *dictionary_tables(columns)]
    sources = Source.objects.visible_to(user).order_by("key").values_list("title", "url")
    files = {f"{t.name}.csv": csv_text(t.rows, t.columns).encode() for t in all_tables}
    files["datapackage.json"] = (
        json.dumps(descriptor(citation, all_tables, sources), indent=2, ensure_ascii=False) + "\n"
    ).encode()
    files["CITATION.txt"] = f"{citation.line}\n\n{RIGHTS}\n".encode()
    return files


def build_package(user, *, as_of=None, day=None):
    """The viewer's package: its citation and the zip's bytes. The citation's
    ``markings`` name what went into it (for whoever records disclosures).

    The reads are separate statements, so a write committing meanwhile would
    give the files a newer state than the version says; the version is read
    again after them and the package rebuilt when it moved (up to
    ``ATTEMPTS`` times), so that one version names one content."""
    with translation.override("en"):
        for _attempt in range(ATTEMPTS):
            citation = cite(user, as_of=as_of, day=day)
            files = package_files(user, citation)
            if package_version(user) == citation.version:
                break
    return Package(citation=citation, content=zipped(files, citation.day))
