"""Tables sorted and filtered as their URL says (``?sort=-score&q=alg``), so a
sorted, filtered view is a link anyone can share and works without script:
the column headers are links (with ``aria-sort`` on the sorted one) and the
filter is a plain GET form. The CSV link carries the same parameters, so the
download has the rows in the order shown."""

from fractions import Fraction
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from countries.models import Country
from measures.reads.coverage import coverage, rank_group
from measures.reads.labels import localized
from measures.reads.ordering import Column, clean_filter, filter_rows, parse_order, sort_rows

# Parameters that belong to one request, never to a link made from it.
NOT_CARRIED = ("format", "table")


class SortedTable:
    """``rows`` filtered by ``?<prefix>q=`` (every word in ``texts(row)``) and
    sorted by ``?<prefix>sort=`` (a column key, ``-`` for descending); ties and
    an unknown column fall back to ``default``. ``anchor`` is the id of the
    table's section, where header links land. A page with two sortable
    tables gives the second a prefix."""

    def __init__(self, request, rows, columns, default, texts, *, anchor, prefix=""):
        self.request, self.anchor = request, anchor
        self.sort_param, self.filter_param = f"{prefix}sort", f"{prefix}q"
        self.columns = {c.key: c for c in columns}
        self.order = parse_order(request.GET.get(self.sort_param), columns, default)
        self.query = clean_filter(request.GET.get(self.filter_param))
        self.total = len(rows)
        shown = filter_rows(rows, self.query, texts)
        shown = sort_rows(shown, self.columns[default.key], default.descending)
        if self.order != default:
            shown = sort_rows(shown, self.columns[self.order.key], self.order.descending)
        self.rows = shown
        self.headers = {key: self.header(column) for key, column in self.columns.items()}

    def link(self, **changes):
        """This page's query with some parameters changed (None drops one)."""
        params = self.request.GET.copy()
        for name in NOT_CARRIED:
            params.pop(name, None)
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        query = urlencode(sorted(params.lists()), doseq=True)
        return f"?{query}#{self.anchor}" if query else f"{self.request.path}#{self.anchor}"

    def header(self, column):
        current = self.order.key == column.key
        descending = not self.order.descending if current else column.descending_first
        return {
            "label": column.label,
            "href": self.link(**{self.sort_param: ("-" if descending else "") + column.key}),
            "aria_sort": ("descending" if self.order.descending else "ascending")
            if current
            else "",
        }

    @property
    def kept(self):
        """The other parameters of the page, kept as hidden fields of the filter form."""
        params = self.request.GET.copy()
        for name in (*NOT_CARRIED, self.filter_param):
            params.pop(name, None)
        return [(name, value) for name, values in sorted(params.lists()) for value in values]

    @property
    def clear_link(self):
        return self.link(**{self.filter_param: None})


# --- scores with their coverage -------------------------------------------------


def with_coverage(row):
    """A scorecard row (``score``, ``rated``, ``unrated``) with its coverage."""
    return {**row, **coverage(row["rated"], row["unrated"])}


def score_columns():
    """The score column, ranked by the coverage rule, and the coverage column."""
    return [
        Column(
            "score",
            _("Score"),
            lambda r: r["score"],
            group=lambda r: rank_group(r["score"], r["rated"], r["applicable"]),
            descending_first=True,
        ),
        Column(
            "coverage",
            _("Coverage"),
            lambda r: Fraction(r["rated"], r["applicable"]) if r["applicable"] else None,
            descending_first=True,
        ),
    ]


def country_names():
    """Every country's name in the reader's language, by code (one query)."""
    return {
        c["iso2"]: localized(c, "name")
        for c in Country.objects.values("iso2", "name_en", "name_fr")
    }
