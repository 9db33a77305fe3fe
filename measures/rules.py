"""Data-entry rules that keep wrong facts out, shared by the writes
(``services``) and the data-quality report (``data_checks``).

Dates in the tracker carry a precision (day / month / year): "2011" is stored
as 2011-01-01 with precision ``year`` and means "some day in 2011". A rule
refuses a date only when it is wrong at *every* day the precision allows, so
"a member from 2012" of a mission authorised on 20 December 2012 is accepted,
and "a member from 2010" of it is not.
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from countries.models import Membership

from .choices import NO_EVIDENCE, Level


def bounds(day, precision):
    """The first and last day a date at this precision may stand for."""
    if day is None:
        return None, None
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def membership_problems(membership, others=None):
    """What is wrong with a membership, as {field: message} (empty if nothing).

    ``others`` are the other memberships of the same country in the same
    initiative (read from the database when not given).
    """
    problems = {}
    initiative = membership.initiative
    if membership.start is None:
        problems["start"] = _(
            "A membership needs a start date (the first date it is known to hold)."
        )
        return problems
    start_first, start_last = bounds(membership.start, membership.start_precision)
    end_first, end_last = bounds(membership.end, membership.end_precision)
    opened_first, _opened_last = bounds(initiative.started_on, initiative.start_precision)
    _closed_first, closed_last = bounds(initiative.ended_on, initiative.end_precision)
    if opened_first and start_last < opened_first:
        problems["start"] = _("The membership starts before %(initiative)s began (%(date)s).") % {
            "initiative": initiative,
            "date": initiative.started_on.isoformat(),
        }
    elif closed_last and start_first > closed_last:
        problems["start"] = _("The membership starts after %(initiative)s ended (%(date)s).") % {
            "initiative": initiative,
            "date": initiative.ended_on.isoformat(),
        }
    if closed_last and end_first and end_first > closed_last:
        problems["end"] = _("The membership ends after %(initiative)s ended (%(date)s).") % {
            "initiative": initiative,
            "date": initiative.ended_on.isoformat(),
        }
    if others is None:
        others = Membership._base_manager.filter(
            initiative_id=membership.initiative_id, country_id=membership.country_id
        ).exclude(pk=membership.pk)
    for other in others:
        if other.pk is not None and other.pk == membership.pk:
            continue
        if overlaps(membership, other):
            problems.setdefault(
                "start",
                _(
                    "%(country)s already has a membership of %(initiative)s (%(role)s, "
                    "%(period)s) for part of this period; end that one first."
                )
                % {
                    "country": membership.country_id,
                    "initiative": initiative,
                    "role": other.get_role_display(),
                    "period": period_label(other),
                },
            )
            break
    return problems


def overlaps(a, b):
    """True when two periods certainly share a day (open ends are unbounded)."""
    a_start = bounds(a.start, a.start_precision)[1]
    b_start = bounds(b.start, b.start_precision)[1]
    a_end = bounds(a.end, a.end_precision)[0]
    b_end = bounds(b.end, b.end_precision)[0]
    a_starts_before_b_ends = a_start is None or b_end is None or a_start <= b_end
    b_starts_before_a_ends = b_start is None or a_end is None or b_start <= a_end
    return a_starts_before_b_ends and b_starts_before_a_ends


def period_label(membership):
    start = membership.start.isoformat() if membership.start else "…"
    end = membership.end.isoformat() if membership.end else "…"
    return f"{start} – {end}"


def evidence_after(assessment, items):
    """The evidence items that certainly occurred after the assessment's date."""
    latest = bounds(assessment.effective_on, assessment.effective_precision)[1]
    return [e for e in items if bounds(e.occurred_on, e.occurred_precision)[0] > latest]


def check_membership(membership, visible=None):
    """Refuse a membership that breaks a rule, naming the field.

    ``visible`` is the memberships the writer may see: an overlap with a row
    hidden from them is not reported to them (the message would reveal it);
    the data-quality report, read by the system, still finds it.
    """
    others = None
    if visible is not None:
        others = visible.filter(
            initiative_id=membership.initiative_id, country_id=membership.country_id
        ).exclude(pk=membership.pk)
    problems = membership_problems(membership, others)
    if problems:
        raise ValidationError(problems)


def check_effective_on(effective_on, field="effective_on"):
    """An assessment states what is true in the world: not on a future date."""
    if isinstance(effective_on, str):
        effective_on = datetime.date.fromisoformat(effective_on)
    if effective_on is not None and effective_on > timezone.localdate():
        raise ValidationError(
            {field: _("The effective date is in the future; record what is already true.")}
        )


# --- the reporting cycle --------------------------------------------------------

# A cell is "due" from this many days before its due date: the week ahead.
DUE_SOON_DAYS = 7


def due_on(level, last_known_on, cadence_days):
    """The day a cell should be looked at again: its cadence after the date its
    level was last known true (the latest assessment or reconfirmation).

    None for a cell with no level to confirm (not rated, or not applicable):
    "not rated" is a gap in coverage, listed apart, not a deadline.
    """
    if level in (NO_EVIDENCE, Level.NOT_APPLICABLE) or last_known_on is None:
        return None
    return last_known_on + datetime.timedelta(days=cadence_days)


class DueState:
    OVERDUE = "overdue"
    DUE = "due"
    CURRENT = "current"


def due_state(due, today=None):
    """overdue (past its due date), due (within the week ahead), current, or None."""
    if due is None:
        return None
    today = today or timezone.localdate()
    if due < today:
        return DueState.OVERDUE
    if due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return DueState.DUE
    return DueState.CURRENT


def is_escalated(due, cadence_days, today=None):
    """Overdue by more than its cadence again (past twice the cadence): admins hear of it."""
    today = today or timezone.localdate()
    return due is not None and due + datetime.timedelta(days=cadence_days) < today
