"""fixtures/assessments.yaml: the levels recorded on cells, append-only."""

from django.core.exceptions import ValidationError

from ..audit.revisions import snapshot
from ..choices import Action
from ..models import Assessment
from ..rules import check_effective_on
from .reading import SeedError
from .seeder import each, field_value


def load(seeder, entries):
    each("assessments", entries, "key", lambda e: assessment(seeder, e))


def assessment(seeder, e):
    cell = seeder.cell(e)
    if Assessment.objects.filter(key=e["key"]).exists():
        return None  # append-only: a recorded assessment is never rewritten
    items = evidence_items(seeder, e)
    marking = seeder.marking(e.get("marking"))
    for item in items:
        check_evidence(item, cell, marking)
    row = Assessment(
        key=e["key"],
        cell=cell,
        level=e["level"],
        effective_on=field_value(Assessment, "effective_on", e["effective_on"]),
        effective_precision=e.get("precision", "day"),
        rationale_en=e.get("rationale_en", ""),
        rationale_fr=e.get("rationale_fr", ""),
        marking=marking,
        recorded_by=seeder.change.actor,
        revision=seeder.change.take_revision(),
    )
    row.full_clean()
    try:
        check_effective_on(row.effective_on)
    except ValidationError as exc:
        raise SeedError("; ".join(exc.messages)) from None
    row.save()
    row.evidence.set(items)
    seeder.touch(row, Action.CREATE, None)
    seeder.touch(cell, Action.UPDATE, snapshot(cell))  # a new assessment moves the cell's version
    return row


def evidence_items(seeder, e):
    """The evidence the entry rests on, by key."""
    items = []
    for key in e.get("evidence") or ():
        if key not in seeder.evidence:
            raise SeedError(f"rests on unknown evidence {key!r}")
        items.append(seeder.evidence[key])
    return items


def check_evidence(item, cell, marking):
    """An assessment marked ``marking`` on ``cell`` may rest on ``item``."""
    if not marking.covers(item.marking):
        raise SeedError(f"marked {marking} but rests on evidence {item.key} marked {item.marking}")
    if not item.cells.filter(pk=cell.pk).exists():
        raise SeedError(f"evidence {item.key} does not concern cell {cell}")
