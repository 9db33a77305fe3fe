"""What every write checks: the actor's scope, clearance and sight of the
rows, the markings they rest on, and the version they read.

Shared by the aggregate modules of this package; a check raises one of the
refusals in the package docstring and writes nothing.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import viewer_for
from ..audit.revisions import StaleVersion, snapshot
from ..choices import Action
from ..models import (
    Cell,
    Evidence,
    Marking,
)

security_log = logging.getLogger("cbm.security")


class NotVisible(ObjectDoesNotExist):
    """The object does not exist *for this actor*."""


# --- checks shared by the writes -------------------------------------------


def check_may_edit(actor, cell):
    viewer = viewer_for(actor)
    if not viewer.may_edit_cell(cell):
        raise PermissionDenied(
            _("You may not record for %(cell)s: it is outside your country scope.")
            % {"cell": cell.cell_label}
        )


def check_marking_within_clearance(actor, marking):
    if not viewer_for(actor).may_see_marking(marking):
        raise PermissionDenied(
            _(
                "You may not mark a record %(marking)s: it is above your clearance or not "
                "releasable to you."
            )
            % {"marking": marking}
        )


def check_visible(actor, obj):
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotVisible(_("No such %(model)s.") % {"model": obj._meta.verbose_name})


def as_marking(marking, actor):
    """A Marking, or a (level, releasable-to codes) pair resolved inside the
    caller's transaction (so a refused write leaves no new marking behind);
    an initiative hidden from ``actor`` reads as an unknown code."""
    if marking is None or isinstance(marking, Marking):
        return marking
    level, codes = marking
    return Marking.objects.resolve(level, codes, viewer=actor)


def least_marking_covering(markings):
    """The lowest marking that covers every one given (public if none)."""
    markings = list(markings)
    for candidate in sorted(markings, key=lambda m: m.rank):
        if all(candidate.covers(m) for m in markings):
            return candidate
    if not markings:
        return Marking.objects.public()
    raise ValidationError(
        {
            "marking": _(
                "The evidence carries markings that no single marking covers; "
                "give the marking explicitly."
            )
        }
    )


def check_covers(marking, others, what):
    for other in others:
        if not marking.covers(other):
            raise ValidationError(
                {
                    "marking": _(
                        "A record must be marked at least as high as the %(what)s it "
                        "rests on (%(other)s)."
                    )
                    % {"what": what, "other": other}
                }
            )


def cited_marking(actor, evidence, marking):
    """The marking of a level that cites ``evidence`` (an assessment, a
    proposal): the evidence must be visible to the actor and not retracted
    (else it reads as unknown), and the marking — the one given, or the least
    covering the evidence — within the actor's clearance and covering it."""
    visible = set(
        Evidence.objects.visible_to(actor)
        .filter(pk__in=[e.pk for e in evidence], retracted=False)
        .values_list("pk", flat=True)
    )
    missing = [e.pk for e in evidence if e.pk not in visible]
    if missing:
        raise ValidationError(
            {
                "evidence": _("Unknown or retracted evidence: %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    markings = [e.marking for e in evidence]
    marking = as_marking(marking, actor)
    if marking is None:
        marking = least_marking_covering(markings)
    check_marking_within_clearance(actor, marking)
    check_covers(marking, markings, _("evidence"))
    return marking


def locked(model, pk):
    """Re-read a row inside the transaction (row-locked on PostgreSQL)."""
    return model._base_manager.select_for_update().get(pk=pk)


def check_cell_version(actor, cell, expected_version):
    """Compare-and-swap on the actor's *own* version of the cell, under the
    cell's row lock (taken by ``locked``; SQLite serialises writers): a write
    the actor may not see never makes them stale, and two editors who see the
    same assessments still cannot overwrite each other."""
    if expected_version is None:
        raise ValidationError({"expected_version": _("The version you read is required.")})
    version = (
        Cell.objects.filter(pk=cell.pk).with_version(actor).values_list("version", flat=True)[0]
    )
    if version != expected_version:
        raise StaleVersion(cell, expected_version, version)


def check_retractable(row, reason):
    if row.retracted:
        raise ValidationError(
            {
                "retracted": _("This %(model)s is already retracted.")
                % {"model": row._meta.verbose_name}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is retracted.")})


def retract(current, actor, row, reason, before):
    """Withdraw a row: it stays, flagged, with who, when and why."""
    row.retracted = True
    row.retracted_reason = reason
    row.retracted_by = actor
    row.retracted_at = timezone.now()
    row.save(update_fields=sorted(row.RETRACTION_FIELDS))
    current.record(row, Action.RETRACT, before, snapshot(row), marking=row.marking)
