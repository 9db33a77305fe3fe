"""The cells a user is responsible for, and when each is due (the staff's week)."""

from django.utils import timezone

from ..access import editable_cells
from ..models import Cell, Measure
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
