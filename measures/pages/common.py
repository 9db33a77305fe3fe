"""Plumbing shared by the web pages: access, the as-of date, links to cells,
levels, languages, markings, CSV tables.

The pages hold no business rules: they read through the visibility rule
(``visible_to``, ``with_level``, ``viewer_for``), aggregate through
measures/scorecards.py and write through measures/services.py.
"""

import datetime
import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from measures.choices import NO_EVIDENCE, InformationCredibility, Level, SourceReliability
from measures.models import Status
from measures.reads.csv import csv_text
from measures.scorecards import MIXED
from measures.visibility import viewer_for

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
    qs = Status.objects.all()
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


# --- levels -------------------------------------------------------------------

# Order of the legend: the scale from best to worst, then the states shown apart.
LEGEND_ORDER = [
    Level.IMPLEMENTED,
    Level.PARTIAL,
    Level.AGREED,
    Level.UNDER_DISCUSSION,
    Level.NOT_STARTED,
    Level.SUSPENDED,
    Level.NOT_APPLICABLE,
    MIXED,
    NO_EVIDENCE,
]

LEVEL_LABELS = {
    **dict(Level.choices),
    MIXED: _("mixed (the pairs differ)"),
    NO_EVIDENCE: _("no evidence (not rated)"),
}

# Initials shown in every heat-map cell, so the map reads without colour.
LEVEL_INITIALS = {
    Level.IMPLEMENTED: pgettext_lazy("level initials", "IM"),
    Level.PARTIAL: pgettext_lazy("level initials", "PI"),
    Level.AGREED: pgettext_lazy("level initials", "AG"),
    Level.UNDER_DISCUSSION: pgettext_lazy("level initials", "UD"),
    Level.NOT_STARTED: pgettext_lazy("level initials", "NS"),
    Level.SUSPENDED: pgettext_lazy("level initials", "SU"),
    Level.NOT_APPLICABLE: pgettext_lazy("level initials", "NA"),
    MIXED: pgettext_lazy("level initials", "MX"),
    NO_EVIDENCE: pgettext_lazy("level initials", "NE"),
}


def level_label(level):
    return LEVEL_LABELS.get(level, level)


def level_initials(level):
    return LEVEL_INITIALS.get(level, "?")


def legend():
    return [
        {"level": level, "label": level_label(level), "initials": level_initials(level)}
        for level in LEGEND_ORDER
    ]


# --- languages ----------------------------------------------------------------


def is_french():
    return (get_language() or "en").startswith("fr")


def localized(obj, field):
    """``field_fr`` when the page is in French and it is filled, else ``field_en``
    (and the other way round when only the French text exists)."""
    get = obj.get if isinstance(obj, dict) else lambda name, default="": getattr(obj, name, "")
    english, french = get(f"{field}_en", "") or "", get(f"{field}_fr", "") or ""
    return (french or english) if is_french() else (english or french)


# --- markings -----------------------------------------------------------------


def highest_marking(markings):
    """The most protective of the markings shown on a page (None when all public),
    for the page's banner. Releasable-to lists are shown on each item."""
    shown = [m for m in markings if m is not None and m.rank > 0]
    if not shown:
        return None
    return max(shown, key=lambda m: (m.rank, not m.releasable_to_all, m.key))


# --- staleness ----------------------------------------------------------------


def stale_threshold(as_of=None):
    """Cells last confirmed before this date are stale (CBM_STALE_AFTER_DAYS)."""
    day = as_of or timezone.localdate()
    return day - datetime.timedelta(days=settings.CBM_STALE_AFTER_DAYS)


def is_stale(level, effective_on, threshold):
    return level not in (NO_EVIDENCE, Level.NOT_APPLICABLE) and bool(
        effective_on and effective_on < threshold
    )


# --- grades -------------------------------------------------------------------


def grade_explained(source_reliability, information_credibility):
    """The Admiralty grade in words, e.g. "B2: usually reliable source; probably true"."""
    return {
        "code": f"{source_reliability}{information_credibility}",
        "source": SourceReliability(source_reliability).label,
        "information": InformationCredibility(information_credibility).label,
    }


# --- tables downloadable as CSV -----------------------------------------------


class Table:
    """One table of a page as plain values: rendered as HTML by the template and
    downloadable as ``?format=csv&table=<name>`` with the same rows."""

    def __init__(self, name, columns, rows):
        self.name, self.columns, self.rows = name, list(columns), list(rows)

    def csv(self):
        return csv_text(self.rows, self.columns)


def csv_download(request, tables, basename):
    """The CSV answer when the query asks for one of ``tables``, else None."""
    if request.GET.get("format") != "csv":
        return None
    wanted = request.GET.get("table", "")
    by_name = {t.name: t for t in tables}
    table = by_name.get(wanted)
    if table is None:
        raise Http404
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{basename}-{table.name}.csv"'
    return response
