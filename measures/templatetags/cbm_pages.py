"""Template helpers of the web pages: levels, scores, fuzzy dates, languages, markings."""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from measures.access import viewer_for
from measures.reads import labels
from measures.reads.review import awaiting_review_count

register = template.Library()


@register.simple_tag
def level_chip(level, extra=""):
    """A level as coloured text with its initials; the full label for assistive tech."""
    return format_html(
        '<span class="chip lv-{}{}"><abbr title="{}">{}</abbr></span> '
        '<span class="chip-label">{}</span>',
        level,
        f" {extra}" if extra else "",
        labels.level_label(level),
        labels.level_initials(level),
        labels.level_label(level),
    )


@register.filter
def level_label(level):
    return labels.level_label(level)


@register.filter
def level_initials(level):
    return labels.level_initials(level)


@register.filter
def score(value):
    """A score (0..1) as a percentage: 63 %; none as an em dash."""
    if value is None:
        return "—"
    # Rounded half up, not cut: Django's number format truncates (0.57 read "56 %").
    percent = Decimal(value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{number_format(percent, decimal_pos=0, use_l10n=True)}\u202f%"


@register.simple_tag
def fuzzy_date(day, precision="day"):
    """A date as precise as the source: "2010", "September 2010" or "21 April 2010"
    (``labels.dated``, in the page's language)."""
    return labels.dated(day, precision or "day")


@register.filter
def dated(day, precision="day"):
    """The filter form of ``fuzzy_date``: ``{{ day|dated }}``, ``{{ day|dated:"year" }}``."""
    return labels.dated(day, precision or "day")


@register.filter
def loc(obj, field):
    """``obj.field_fr`` on French pages when filled, else ``obj.field_en``."""
    return labels.localized(obj, field)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("measures/_marking.html")
def marking_banner(marking, inline=False):
    return {
        "marking": marking if marking is not None and marking.rank > 0 else None,
        "inline": inline,
    }


@register.simple_tag(takes_context=True)
def query(context, **changes):
    """The current query string with some parameters changed (None drops one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def csv_link(context, table):
    params = context["request"].GET.copy()
    params["format"] = "csv"
    params["table"] = table
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.filter
def keeps_a_week(user):
    """Editors and admins have a week to keep ("My week" in the menu)."""
    return viewer_for(user).is_editor


@register.simple_tag
def review_count(user):
    """The nav's "Review (n)": None for those who review nothing (no link, no
    query); else the open proposals they may decide (``awaiting_review_by``)."""
    if not viewer_for(user).is_editor:
        return None
    return awaiting_review_count(user)
