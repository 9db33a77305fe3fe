"""How values read, in pages, mails and exports alike: level names and
initials, the legend, a row's text in the reader's language, the banner's
marking, due dates and the Admiralty grade in words."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from countries.choices import DatePrecision
from measures.choices import NO_EVIDENCE, InformationCredibility, Level, SourceReliability
from measures.reads.scorecards import MIXED
from measures.rules import DueState, due_on, due_state

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
    # Derived, never stored: nobody the reader may see has rated the cell. It is
    # not "no evidence": a cell may have evidence and no assessment yet.
    NO_EVIDENCE: _("not rated"),
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
    # Not two capital letters: "NE" read as Niger's code beside country codes.
    NO_EVIDENCE: pgettext_lazy("level initials", "n/r"),
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
    # Older fields keep their English under the bare name (``note``, ``unit``)
    # beside a later ``note_fr``; the API still names them so.
    english = get(f"{field}_en", "") or get(field, "") or ""
    french = get(f"{field}_fr", "") or ""
    return (french or english) if is_french() else (english or french)


# --- dates --------------------------------------------------------------------

# The same pattern in both languages, its month names translated: "5 March
# 2012" / "5 mars 2012", "March 2012" / "mars 2012". Django's English default
# ("March 5, 2012", "Mar. 5, 2012" in places) would mix two orders on a page.
DAY_FORMAT = "j F Y"
MONTH_FORMAT = "F Y"


def dated(day, precision=DatePrecision.DAY):
    """A date as precise as what is known of it, in the reader's language:
    "2010" (a year-precision date is stored as 1 January), "mars 2012",
    "5 mars 2012"; an em dash when there is none."""
    if not day:
        return "—"
    if isinstance(day, datetime.datetime):
        day = day.date()
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.MONTH:
        return date_format(day, MONTH_FORMAT)
    return date_format(day, DAY_FORMAT)


def initiative_name(initiative):
    """An initiative as a choice in a filter or form: its name in the reader's
    language, then its acronym ("Comité d'état-major opérationnel conjoint (CEMOC)")."""
    name = localized(initiative, "name")
    return f"{name} ({initiative.acronym})" if initiative.acronym else name


# --- markings -----------------------------------------------------------------


def highest_marking(markings):
    """The most protective of the markings shown on a page (None when all public),
    for the page's banner. Releasable-to lists are shown on each item."""
    shown = [m for m in markings if m is not None and m.rank > 0]
    if not shown:
        return None
    return max(shown, key=lambda m: (m.rank, not m.releasable_to_all, m.key))


# --- due dates ----------------------------------------------------------------


def is_overdue(level, effective_on, cadence_days, as_of=None):
    """Past its due date on ``as_of`` (today): not confirmed within its
    measure's reporting cadence (``rules.due_on``)."""
    return due_state(due_on(level, effective_on, cadence_days), as_of) == DueState.OVERDUE


# --- grades -------------------------------------------------------------------


def grade_explained(source_reliability, information_credibility):
    """The Admiralty grade in words, e.g. "B2: usually reliable source; probably true"."""
    return {
        "code": f"{source_reliability}{information_credibility}",
        "source": SourceReliability(source_reliability).label,
        "information": InformationCredibility(information_credibility).label,
    }
