"""The staff's week: when a user last looked, and the bulk actions of the
worklist — "still true today" for many cells, or one level with the same
evidence for a selected set — each all or nothing under one revision,
through review (``submit_in_change``) like every recording by people."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.revisions import change
from ..models import Assessment, Cell, Evidence, WeekVisit
from .review import submit_in_change

# Visits closer together than this are one sitting: a reload keeps showing
# the changes the sitting began with.
ONE_SITTING = datetime.timedelta(hours=1)


def note_week_visit(user, now=None):
    """Note that ``user`` opened their week; returns the WeekVisit, whose
    ``since`` is where "changed since your last visit" starts.

    A reading receipt, like ``last_login``: no viewer observes it but the
    user's own week, so it is written without an audit record (and ``change``
    takes no revision for it).
    """
    now = now or timezone.now()
    with change(user, _("Week visited")):
        # get_or_create: two first visits at once find one row, not an IntegrityError.
        visit, created = WeekVisit.objects.select_for_update().get_or_create(
            user=user, defaults={"seen_at": now, "since": None}
        )
        if created:
            return visit
        if visit.seen_at <= now - ONE_SITTING:
            visit.since = visit.seen_at
        visit.seen_at = now
        visit.save(update_fields=["since", "seen_at"])
        return visit


def reconfirm_cells(actor, versions, *, reason_en="", reason_fr="", today=None):
    """ "Still true today" (a nil report) for many cells, all or nothing.

    ``versions`` maps each cell to the version the actor read. Each cell gets
    the level, evidence and marking of the actor's latest visible assessment
    again, effective today (or that assessment's date, if later), with the
    reason as rationale (by default "still true as of <today>"). One stale
    or refused cell refuses the batch, and the refusal names it. Returns the
    Assessments or Proposals, in the order of ``versions``.
    """
    today = today or timezone.localdate()
    if not (reason_en.strip() or reason_fr.strip()):
        stamp = today.isoformat()
        # Stored data in both languages, whatever the language of the request.
        reason_en = f"Reconfirmed: still true as of {stamp}."
        reason_fr = f"Reconfirmé : toujours vrai au {stamp}."
    message = (
        _("Assessment reconfirmed")
        if len(versions) == 1
        else _("Reconfirmed %(n)s cells") % {"n": len(versions)}
    )
    with change(actor, message) as current:
        latest = _latest_visible(actor, [cell.pk for cell in versions])
        results = []
        for cell, version in versions.items():
            basis = latest.get(cell.pk)
            if basis is None:
                raise ValidationError(
                    {
                        "cells": _("%(cell)s has no assessment to reconfirm: record one instead.")
                        % {"cell": cell}
                    }
                )
            with _naming(cell):
                results.append(
                    submit_in_change(
                        current,
                        actor,
                        cell,
                        level=basis.level,
                        effective_on=max(today, basis.effective_on),
                        effective_precision="day",
                        rationale_en=reason_en,
                        rationale_fr=reason_fr,
                        evidence=basis.visible_evidence,
                        marking=basis.marking,
                        expected_version=version,
                    )
                )
        return results


def assess_cells(
    actor,
    versions,
    *,
    level,
    effective_on,
    evidence=(),
    marking=None,
    effective_precision="day",
    rationale_en="",
    rationale_fr="",
):
    """The same level on the same evidence for a selected set of cells, all
    or nothing under one revision; ``versions`` as for ``reconfirm_cells``."""
    message = _("Assessment recorded for %(n)s cells") % {"n": len(versions)}
    with change(actor, message) as current:
        results = []
        for cell, version in versions.items():
            with _naming(cell):
                results.append(
                    submit_in_change(
                        current,
                        actor,
                        cell,
                        level=level,
                        effective_on=effective_on,
                        effective_precision=effective_precision,
                        rationale_en=rationale_en,
                        rationale_fr=rationale_fr,
                        evidence=evidence,
                        marking=marking,
                        expected_version=version,
                    )
                )
        return results


def _latest_visible(actor, cell_ids):
    """{cell id: the actor's latest visible, non-retracted assessment}, with
    the evidence the actor may see as ``visible_evidence`` (three queries)."""
    latest = (
        Assessment.objects.visible_to(actor)
        .filter(cell=OuterRef("pk"), retracted=False)
        .order_by("-effective_on", "-recorded_at", "-id")
        .values("pk")[:1]
    )
    ids = (
        Cell.objects.filter(pk__in=cell_ids)
        .annotate(latest=Subquery(latest))
        .exclude(latest=None)
        .values_list("latest", flat=True)
    )
    rows = (
        Assessment.objects.filter(pk__in=list(ids))
        .select_related("marking")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.visible_to(actor).select_related("marking"),
                to_attr="visible_evidence",
            )
        )
    )
    return {a.cell_id: a for a in rows}


class _naming:
    """Re-raise a refusal about one cell of a batch with the cell named, so
    that the editor knows which one refused the batch (StaleVersion names
    its cell already)."""

    def __init__(self, cell):
        self.cell = cell

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, ValidationError):
            named = {
                field: [f"{self.cell}: {m}" for m in messages]
                for field, messages in (
                    exc.message_dict.items()
                    if hasattr(exc, "error_dict")
                    else [("cells", exc.messages)]
                )
            }
            raise ValidationError(named) from exc
        if isinstance(exc, PermissionDenied) and str(self.cell.cell_label) not in str(exc):
            raise PermissionDenied(f"{self.cell}: {exc}") from exc
        return False
