"""The cells a user is responsible for, and when each is due (the staff's week)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import editable_cells
from ..models import Assessment, Cell, Evidence, Measure, Proposal, Reply, WeekVisit
from ..rules import DueState, due_on, due_state


def cadences():
    """Each measure's reporting cadence in days, by measure number."""
    return dict(Measure.objects.values_list("number", "cadence_days"))


def cells_in_scope(user, today=None):
    """Every cell ``user`` may record for, with its level *for them*, its due
    date and due state (``rules.due_on``), in one query whatever their number."""
    today = today or timezone.localdate()
    cells = list(
        editable_cells(user, Cell.objects.all())
        .with_level(user)
        .select_related("measure", "country", "partner")
        .order_by("measure__number", "country_id", "partner_id")
    )
    for cell in cells:
        cell.due_on = due_on(cell.level, cell.level_effective_on, cell.measure.cadence_days)
        cell.due_state = due_state(cell.due_on, today)
    return cells


def due_cells(user, today=None):
    """The cells in ``user``'s scope that are due or overdue, earliest first."""
    cells = [
        c for c in cells_in_scope(user, today) if c.due_state in (DueState.OVERDUE, DueState.DUE)
    ]
    return sorted(cells, key=lambda c: (c.due_on, c.measure.number, c.country_id))


# --- "My week" -------------------------------------------------------------------

# Why a cell is on a user's week, in the order a row lists them; the keys are
# also the values of the ``state`` filter (page and API).
REASONS = {
    DueState.OVERDUE: _("overdue"),
    DueState.DUE: _("due"),
    "changed": _("changed by others"),
    "review": _("awaiting your review"),
    "replies": _("new replies"),
}


@dataclass
class WeekRow:
    """One cell of a user's week. ``cell`` carries the user's own level,
    its date and version (``with_level``), ``due_on`` and ``due_state``;
    the counts are of what the user may see."""

    cell: Cell
    reasons: tuple
    changes: int = 0
    proposals: int = 0
    replies: int = 0

    @property
    def is_due(self):
        return self.cell.due_state in (DueState.OVERDUE, DueState.DUE)


def last_visit_since(user):
    """What "since your last visit" means for ``user``: the ``since`` of their
    week visit (``services.note_week_visit``), None before a second visit."""
    return WeekVisit.objects.filter(user_id=user.pk).values_list("since", flat=True).first()


def week(user, *, since=None, today=None, countries=(), measures=(), domains=(), states=()):
    """The rows of ``user``'s week, earliest due first (cells with no due date
    last), each saying why it is listed. ``since``: changes and replies
    recorded after it count (None: none do). The filters narrow by country
    (either of a pair), measure number, domain and reason.

    A constant number of queries whatever the number of cells: the scope with
    levels, then one query per reason over the whole scope.
    """
    cells = cells_in_scope(user, today)
    by_id = {c.pk: c for c in cells}
    changes, replies = _changed_since(user, since, by_id) if since else ({}, {})
    proposals = _count(
        Proposal.objects.awaiting_review_by(user).values_list("cell_id", flat=True), by_id
    )
    rows = []
    for cell in cells:
        reasons = tuple(
            reason
            for reason, present in (
                (DueState.OVERDUE, cell.due_state == DueState.OVERDUE),
                (DueState.DUE, cell.due_state == DueState.DUE),
                ("changed", cell.pk in changes),
                ("review", cell.pk in proposals),
                ("replies", cell.pk in replies),
            )
            if present
        )
        if reasons:
            rows.append(
                WeekRow(
                    cell,
                    reasons,
                    changes.get(cell.pk, 0),
                    proposals.get(cell.pk, 0),
                    replies.get(cell.pk, 0),
                )
            )
    rows = [r for r in rows if _matches(r, countries, measures, domains, states)]
    return sorted(rows, key=_due_first)


def _changed_since(user, since, by_id):
    """{cell id: count} of assessments and evidence, and of replies, that
    someone else recorded after ``since`` and ``user`` may see."""
    others = {"retracted": False}
    assessed = (
        Assessment.objects.visible_to(user)
        .filter(recorded_at__gt=since, **others)
        .exclude(recorded_by_id=user.pk)
        .values_list("cell_id", flat=True)
    )
    evidenced = (
        Evidence.objects.visible_to(user)
        .filter(created_at__gt=since, cells__isnull=False, **others)
        .exclude(created_by_id=user.pk)
        .values_list("cells", flat=True)
    )
    changes = _count(assessed, by_id)
    for cell_id, n in _count(evidenced, by_id).items():
        changes[cell_id] = changes.get(cell_id, 0) + n
    replied = (
        Reply.objects.visible_to(user)
        .filter(created_at__gt=since, **others)
        .exclude(created_by_id=user.pk)
        .values_list("assessment__cell_id", flat=True)
    )
    return changes, _count(replied, by_id)


def _count(cell_ids, by_id):
    counts = {}
    for cell_id in cell_ids:
        if cell_id in by_id:
            counts[cell_id] = counts.get(cell_id, 0) + 1
    return counts


def _matches(row, countries, measures, domains, states):
    cell = row.cell
    return (
        (not countries or cell.country_id in countries or cell.partner_id in countries)
        and (not measures or cell.measure.number in measures)
        and (not domains or cell.measure.domain in domains)
        and (not states or bool(set(row.reasons) & set(states)))
    )


def _due_first(row):
    cell = row.cell
    return (
        cell.due_on is None,
        cell.due_on or datetime.date.min,
        cell.measure.number,
        cell.country_id,
        cell.partner_id or "",
    )
