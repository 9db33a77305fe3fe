"""Evidence: create, link to cells and initiatives, re-mark, retract."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from countries.models import Initiative

from ..access import viewer_for
from ..audit.revisions import bump_version, change, snapshot
from ..choices import Action
from ..models import (
    Assessment,
    Evidence,
)
from .checks import (
    as_marking,
    check_covers,
    check_marking_within_clearance,
    check_may_edit,
    check_retractable,
    check_visible,
    locked,
    retract,
)

# --- evidence --------------------------------------------------------------


def _check_cells_in_scope(actor, cells):
    for cell in cells:
        check_may_edit(actor, cell)


def _check_links(actor, marking, cells, initiatives):
    """Evidence links: an editor's cells, initiatives they see, marked no lower."""
    if not viewer_for(actor).is_editor:
        raise PermissionDenied(_("Only editors may add or link evidence."))
    _check_cells_in_scope(actor, cells)
    visible = set(
        Initiative.objects.visible_to(actor)
        .filter(pk__in=[i.pk for i in initiatives])
        .values_list("pk", flat=True)
    )
    unknown = [i.pk for i in initiatives if i.pk not in visible]
    if unknown:
        raise ValidationError(
            {"initiatives": _("Unknown initiative(s): %(ids)s.") % {"ids": unknown}}
        )
    check_covers(marking, [i.marking for i in initiatives if i.marking], _("initiative"))


def create_evidence(actor, **kwargs):
    """File a sourced, graded, marked fact against cells and/or initiatives.

    Takes ``create_evidence_in_change``'s arguments."""
    with change(actor, _("Evidence added")) as current:
        return create_evidence_in_change(current, actor, **kwargs)


def create_evidence_in_change(
    current,
    actor,
    *,
    source,
    occurred_on,
    locator,
    direction,
    source_reliability,
    information_credibility,
    occurred_precision="day",
    summary_en="",
    summary_fr="",
    quote="",
    cells=(),
    initiatives=(),
    marking=None,
):
    """``create_evidence`` inside the caller's ``change()``: for writes that
    file evidence along with other rows under one revision."""
    cells, initiatives = list(cells), list(initiatives)
    check_visible(actor, source)
    marking = as_marking(marking, actor) or source.marking
    check_marking_within_clearance(actor, marking)
    check_covers(marking, [source.marking], _("source"))
    _check_links(actor, marking, cells, initiatives)
    item = Evidence(
        source=source,
        occurred_on=occurred_on,
        occurred_precision=occurred_precision,
        summary_en=summary_en,
        summary_fr=summary_fr,
        quote=quote,
        locator=locator,
        direction=direction,
        source_reliability=source_reliability,
        information_credibility=information_credibility,
        marking=marking,
        created_by=actor,
    )
    if not (summary_en.strip() or summary_fr.strip()):
        raise ValidationError({"summary_en": _("A summary is required.")})
    item.full_clean()
    item.save()
    item.cells.set(cells)
    item.initiatives.set(initiatives)
    current.record(item, Action.CREATE, after=snapshot(item), marking=marking)
    return item


def attach_evidence(actor, evidence, *, expected_version, cells=(), initiatives=()):
    """Link existing evidence to more cells and/or initiatives."""
    cells, initiatives = list(cells), list(initiatives)
    with change(actor, _("Evidence linked")) as current:
        check_visible(actor, evidence)
        evidence = locked(Evidence, evidence.pk)
        _check_links(actor, evidence.marking, cells, initiatives)
        if evidence.retracted:
            raise ValidationError({"evidence": _("Retracted evidence cannot be linked.")})
        bump_version(evidence, expected_version)
        before = snapshot(evidence)
        evidence.cells.add(*cells)
        evidence.initiatives.add(*initiatives)
        current.record(
            evidence, Action.UPDATE, before, snapshot(evidence), marking=evidence.marking
        )
        return evidence


def remark_evidence(actor, evidence, marking, *, expected_version, reason=""):
    """Give evidence another handling marking, keeping every marking rule."""
    with change(actor, reason or _("Evidence re-marked")) as current:
        check_visible(actor, evidence)
        evidence = locked(Evidence, evidence.pk)
        marking = as_marking(marking, actor)
        if not viewer_for(actor).is_editor:
            raise PermissionDenied(_("Only editors may re-mark evidence."))
        _check_cells_in_scope(actor, evidence.cells.all())
        check_marking_within_clearance(actor, marking)
        check_covers(marking, [evidence.source.marking], _("source"))
        check_covers(
            marking, [i.marking for i in evidence.initiatives.all() if i.marking], _("initiative")
        )
        # Only assessments still in force and seen by the actor hold a
        # re-marking back: a retracted one cites nothing any more, and naming
        # one the actor may not see would tell them it exists.
        resting = [
            a
            for a in Assessment.objects.visible_to(actor)
            .filter(evidence=evidence, retracted=False)
            .select_related("marking")
            if not a.marking.covers(marking)
        ]
        if resting:
            raise ValidationError(
                {
                    "marking": _(
                        "Assessments %(ids)s rest on this evidence with a lower marking; "
                        "retract them first."
                    )
                    % {"ids": ", ".join(str(a.public_id) for a in resting)}
                }
            )
        old = evidence.marking
        bump_version(evidence, expected_version)
        before = snapshot(evidence)
        evidence.marking = marking
        evidence.save(update_fields=["marking"])
        current.touch(old)
        # The record shows the old content too, so it is readable only by
        # those who could read both markings. Incomparable markings (releasable
        # to different parties) have no such reader; keep no "before" then.
        if marking.covers(old):
            record_marking = marking
        elif old.covers(marking):
            record_marking = old
        else:
            record_marking, before = marking, None
        current.record(evidence, Action.REMARK, before, snapshot(evidence), marking=record_marking)
        return evidence


def retract_evidence(actor, evidence, *, reason, expected_version):
    with change(actor, _("Evidence retracted")) as current:
        check_visible(actor, evidence)
        evidence = locked(Evidence, evidence.pk)
        if not viewer_for(actor).is_editor:
            raise PermissionDenied(_("Only editors may retract evidence."))
        _check_cells_in_scope(actor, evidence.cells.all())
        check_retractable(evidence, reason)
        before = snapshot(evidence)
        bump_version(evidence, expected_version)
        retract(current, actor, evidence, reason, before)
        return evidence
