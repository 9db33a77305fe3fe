"""The canary the visibility tests plant: a marked source, evidence carrying a
text found nowhere else, and an assessment resting on it. Whoever may not see
the marking must meet the text nowhere — API, pages, admin, mail — and
whoever may must find it."""

import datetime
import uuid
from dataclasses import dataclass

from measures.models import Assessment, Cell, Evidence, Source
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, marking

D = datetime.date


@dataclass
class Canary:
    text: str
    cell: Cell  # read again after the assessment
    source: Source
    evidence: Evidence
    assessment: Assessment


def plant(
    actor,
    cell,
    level,
    on,
    *,
    marking,
    text=None,
    source_key=None,
    occurred_on=None,
    assessment_marking=None,
):
    """File, as ``actor``, a source marked ``marking`` and evidence from it on
    ``cell``, both carrying ``text`` (a fresh one by default), and assess
    the cell at ``level`` from ``on`` resting on that evidence."""
    text = text or f"CANARY-{uuid.uuid4().hex}"
    source = SourceFactory(
        marking=marking, title=f"Report {text}", **({"key": source_key} if source_key else {})
    )
    evidence = EvidenceFactory(
        source=source,
        summary_en=f"{text} seen at the border",
        quote=text,
        cells=[cell],
        **({"occurred_on": occurred_on} if occurred_on else {}),
    )
    assessment = assess(
        actor,
        cell,
        level,
        on,
        evidence=[evidence],
        marking=assessment_marking,
        rationale=f"Rests on {text}",
    )
    return Canary(text, Cell.objects.get(pk=cell.pk), source, evidence, assessment)


def plant_public_news(editor, cell, on):
    """Public evidence and an assessment resting on it, so that a reader who
    may not see the canary on the same cell sees *something* there, and the
    level must come from the public one."""
    public = EvidenceFactory(
        summary_en="Weapons register discussed at the AMU",
        summary_fr="Registre des armes discuté à l'UMA",
        cells=[cell],
    )
    return assess(
        editor,
        cell,
        "under_discussion",
        on,
        evidence=[public],
        rationale="Discussed at the AMU.",
    )


def moroccan_canary(users):
    """Confidential evidence releasable to Morocco, and an assessment resting on
    it that raises cell 6·MA from partial (its public level since 2010, seed)
    to implemented."""
    return plant(
        users.confidential_editor,
        cell_at(6, "MA"),
        "implemented",
        D(2013, 1, 1),
        marking=marking("confidential", "MA"),
    )
