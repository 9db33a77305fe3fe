"""Template helpers of the sortable tables: sortable headers, the filter form,
and a score's coverage ("6/20 rated")."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from measures.reads.dictionary import minimum_coverage_percent

register = template.Library()


@register.inclusion_tag("measures/_sort_th.html")
def sort_th(table, key):
    """A column header that sorts ``table`` by ``key`` (aria-sort when it does)."""
    return {"h": table.headers[key]}


@register.inclusion_tag("measures/_table_filter.html")
def table_filter(table, label):
    return {"t": table, "label": label}


@register.simple_tag
def coverage(row):
    """ "6/20 rated", and "low coverage" when the score rests on too few ratings
    (measures/reads/coverage.py)."""
    text = _("%(rated)s/%(applicable)s rated") % {
        "rated": row["rated"],
        "applicable": row["applicable"],
    }
    if not row["low_coverage"]:
        return format_html('<span class="coverage">{}</span>', text)
    return format_html(
        '<span class="coverage">{}</span> <span class="low-coverage">{}</span>',
        text,
        _("low coverage"),
    )


@register.simple_tag
def min_coverage():
    """The coverage rule's threshold as a whole percentage (for "How scores work")."""
    return minimum_coverage_percent()
