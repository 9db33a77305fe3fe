"""Plumbing shared by the web pages: access, the as-of date, links to cells,
levels, languages, markings, CSV tables.

The pages hold no business rules: they read through the visibility rule
(``visible_to``, ``with_level``, ``viewer_for``), aggregate through
measures/scorecards.py and write through measures/services.py.
"""

import datetime
import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from measures.access import viewer_for
from measures.audit import disclosures
from measures.models import Cell
from measures.reads.csv import csv_text
from measures.reads.labels import is_overdue

# --- access -------------------------------------------------------------------


def readable(view):
    """Pages with data: anonymous visitors log in first, unless public reading
    is on (then they read as public-clearance readers)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not viewer_for(request.user).can_read:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def read_as_of(request):
    """``?as_of=YYYY-MM-DD`` or None; a bad date is ignored with a message."""
    raw = request.GET.get("as_of", "")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, gettext("Ignored the as-of date: give it as YYYY-MM-DD."))
        return None


# --- links to cells -------------------------------------------------------------


def cell_links(codes=None, numbers=None, measure=None):
    """Cell ids by (measure number, country, partner), for links (one query)."""
    qs = Cell.objects.all()
    if codes is not None:
        qs = qs.filter(Q(country_id__in=codes) | Q(partner_id__in=codes))
    if numbers is not None:
        qs = qs.filter(measure__number__in=numbers)
    if measure is not None:
        qs = qs.filter(measure=measure)
    return {
        (n, a, b): pk
        for pk, n, a, b in qs.values_list("pk", "measure__number", "country_id", "partner_id")
    }


def pair_key(number, iso, other):
    """The key of a bilateral cell in ``cell_links``: its two countries in order."""
    first, second = sorted((iso, other))
    return (number, first, second)


def cell_url(pk, as_of=None):
    """The cell page (at the as-of date when one is read), or "" for no cell."""
    if pk is None:
        return ""
    url = reverse("cell", args=[pk])
    return f"{url}?as_of={as_of.isoformat()}" if as_of else url


def linked_row(entry, links, number, iso, as_of, cadence_days):
    """A scorecard row for one country and measure, with the URL of its cell
    (or of each pair's cell) and whether each is overdue."""
    pairs = [
        {
            **p,
            "url": cell_url(links.get(pair_key(number, iso, p["partner"])), as_of),
            "overdue": is_overdue(p["level"], p["effective_on"], cadence_days, as_of),
        }
        for p in entry.get("pairs", ())
    ]
    return {
        **entry,
        "overdue": is_overdue(entry["level"], entry["effective_on"], cadence_days, as_of),
        "url": cell_url(links.get((number, iso, None)), as_of),
        "pairs": pairs,
    }


# --- tables downloadable as CSV -----------------------------------------------


class Table:
    """One table of a page as plain values: rendered as HTML by the template and
    downloadable as ``?format=csv&table=<name>`` with the same rows.

    ``releases`` is what its lines show, for the disclosure ledger: model
    instances with a ``marking``, or ``disclosures.row_of`` tuples (each line's
    row; on a page about one record, that record too, since its tables list
    its links; for levels and scores, the assessments the read noted,
    ``disclosures.noting``). A row named only by its handle in a line (an
    evidence item's source key) is not released by it. Keyword-only and
    required, so that no page can offer a download without saying what it
    releases; ``()`` only for a table of public reference data (measures,
    countries, indicators: they carry no marking).
    ``tests/security/test_ledger_page_exports.py`` checks every page says it."""

    def __init__(self, name, columns, rows, *, releases):
        self.name, self.columns, self.rows = name, list(columns), list(rows)
        self.releases = list(releases)

    def csv(self):
        return csv_text(self.rows, self.columns)


def csv_download(request, tables, basename):
    """The CSV answer when the query asks for one of ``tables``, else None;
    the disclosure ledger records the marked rows of the table sent."""
    if request.GET.get("format") != "csv":
        return None
    wanted = request.GET.get("table", "")
    by_name = {t.name: t for t in tables}
    table = by_name.get(wanted)
    if table is None:
        raise Http404
    # The download releases this table's rows, and nothing else the page read.
    disclosures.release_only(table.releases)
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_filename(request, basename, table.name)}"'
    )
    return response


def csv_filename(request, basename, table):
    """``cbm-<page>[-<table>]-<date>.csv``: dated by the as-of date when the page
    replays history, else today, so that a download says when it was true."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        day = timezone.localdate()
    parts = ["cbm", basename] + ([] if table == basename else [table])
    return "-".join([*parts, day.isoformat()]) + ".csv"
