"""Cells and their assessments: create, record (one or many), retract."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from countries.models import Country, CountryPair

from ..audit.revisions import advance_version, change, snapshot
from ..choices import Action, Scope
from ..models import (
    Assessment,
    Cell,
    Measure,
)
from ..rules import check_effective_on
from .checks import (
    check_cell_version,
    check_may_edit,
    check_retractable,
    check_visible,
    cited_marking,
    locked,
    retract,
)

# --- cells -----------------------------------------------------------------


def create_missing_cells(current):
    """Give every country × national/regional measure and every tracked pair ×
    bilateral measure its cell, so that each cell has an id and a version
    before anyone rates it. Runs inside the caller's change (bulk, audited)."""
    existing = set(Cell.objects.values_list("measure_id", "country_id", "partner_id"))
    countries = list(Country.objects.values_list("pk", flat=True))
    pairs = list(CountryPair.objects.values_list("country_id", "partner_id"))
    missing = []
    for measure_id, scope in Measure.objects.values_list("pk", "scope"):
        keys = (
            [(a, b) for a, b in pairs]
            if scope == Scope.BILATERAL
            else [(iso, None) for iso in countries]
        )
        missing += [
            Cell(measure_id=measure_id, scope=scope, country_id=a, partner_id=b)
            for a, b in keys
            if (measure_id, a, b) not in existing
        ]
    created = Cell.objects.bulk_create(missing, batch_size=1000)
    for cell in created:
        current.record(cell, Action.CREATE, after=snapshot(cell))
    return created


def record_assessment(
    actor,
    cell,
    *,
    level,
    effective_on,
    expected_version,
    effective_precision="day",
    rationale_en="",
    rationale_fr="",
    evidence=(),
    marking=None,
    message="",
):
    """Record a new dated level for a cell (a reconfirmation repeats the level)."""
    with change(actor, message or _("Assessment recorded")) as current:
        return record_in_change(
            current,
            actor,
            cell,
            level=level,
            effective_on=effective_on,
            expected_version=expected_version,
            effective_precision=effective_precision,
            rationale_en=rationale_en,
            rationale_fr=rationale_fr,
            evidence=list(evidence),
            marking=marking,
        )


def record_in_change(
    current,
    actor,
    cell,
    *,
    level,
    effective_on,
    expected_version,
    effective_precision,
    rationale_en,
    rationale_fr,
    evidence,
    marking,
):
    """``record_assessment`` inside the caller's ``change()``: for writes that
    record an assessment along with other rows under one revision."""
    cell = locked(Cell, cell.pk)
    check_may_edit(actor, cell)
    marking = cited_marking(actor, evidence, marking)
    assessment = Assessment(
        cell=cell,
        level=level,
        effective_on=effective_on,
        effective_precision=effective_precision,
        rationale_en=rationale_en,
        rationale_fr=rationale_fr,
        marking=marking,
        recorded_by=actor,
        revision=0,
    )
    if not (rationale_en.strip() or rationale_fr.strip()):
        raise ValidationError({"rationale_en": _("Say why: a rationale is required.")})
    assessment.full_clean(exclude=["revision"])
    check_effective_on(assessment.effective_on)
    check_cell_version(actor, cell, expected_version)
    assessment.revision = current.take_revision()
    assessment.save()
    for item in evidence:
        if not item.cells.filter(pk=cell.pk).exists():
            # Citing evidence links it to the cell (docs/api.md): a change of
            # the evidence, seen by its readers, so it moves its version.
            before = snapshot(item)
            item.cells.add(cell)
            advance_version(item)
            current.record(
                item,
                Action.UPDATE,
                before,
                snapshot(item),
                marking=item.marking,
                message=_("Linked to %(cell)s") % {"cell": cell},
            )
    if evidence:
        assessment.evidence.set(evidence)
    current.record(assessment, Action.CREATE, after=snapshot(assessment), marking=marking)
    return assessment


def record_assessments(
    actor,
    versions,
    *,
    level,
    effective_on,
    rationale_en="",
    rationale_fr="",
    effective_precision="day",
    marking=None,
):
    """Record the same assessment for many cells at once, all or nothing.

    ``versions`` maps each cell to the version the actor read; one stale cell
    refuses the whole batch. Everything lands under one revision.
    """
    with change(actor, _("Assessment recorded for %(n)s cells") % {"n": len(versions)}) as current:
        return [
            record_in_change(
                current,
                actor,
                cell,
                level=level,
                effective_on=effective_on,
                expected_version=version,
                effective_precision=effective_precision,
                rationale_en=rationale_en,
                rationale_fr=rationale_fr,
                evidence=[],
                marking=marking,
            )
            for cell, version in versions.items()
        ]


def retract_assessment(actor, assessment, *, reason, expected_version):
    """Withdraw a wrong assessment: it leaves every level computation, stays in history."""
    with change(actor, _("Assessment retracted")) as current:
        check_visible(actor, assessment)
        assessment = locked(Assessment, assessment.pk)
        cell = assessment.cell
        check_may_edit(actor, cell)
        check_retractable(assessment, reason)
        locked(Cell, cell.pk)
        check_cell_version(actor, cell, expected_version)
        retract(current, actor, assessment, reason, before=snapshot(assessment))
        return assessment
