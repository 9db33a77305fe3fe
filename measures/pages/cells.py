"""A cell (one measure in one country, or a pair): its history and evidence, and
the staff's workflow on it (record an assessment, add evidence, reconfirm).
Every write goes through measures/services.py."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from measures import services
from measures.access import viewer_for
from measures.audit.revisions import StaleVersion
from measures.choices import NO_EVIDENCE, Level
from measures.models import Assessment, Cell, Evidence, Proposal
from measures.reads.labels import highest_marking, level_label, localized
from measures.reads.replies import replies_prefetch, with_replies
from measures.rules import due_on, due_state, evidence_after
from measures.services.refusals import REFUSALS, add_to_form, refusal_of

from .common import Table, csv_download, read_as_of, readable
from .forms import AssessmentForm, EvidenceForm, ReconfirmForm

# The evidence an editor may pick from lists at most this many items (newest first).
PICKABLE_LIMIT = 200


@readable
@require_http_methods(["GET", "POST"])
def cell_detail(request, pk):
    viewer = viewer_for(request.user)
    as_of = read_as_of(request)
    cell = get_object_or_404(Cell.objects.select_related("measure", "country", "partner"), pk=pk)
    may_edit = viewer.may_edit_cell(cell)
    if request.method == "GET":
        return _render_cell(request, cell, as_of, may_edit)
    if not may_edit:
        # The service would refuse too; say so plainly and change nothing.
        messages.error(
            request,
            _("You may not record for %(cell)s: it is outside your country scope.")
            % {"cell": cell.cell_label},
        )
        return _render_cell(request, cell, as_of, may_edit, status=403)
    # The page's three forms say which one was sent in ``action``.
    action = request.POST.get("action", "record")
    if action == "reconfirm":
        refusal = _reconfirm(request, cell)
        if refusal is None:
            return redirect(reverse("cell", args=[cell.pk]))
        message, status = refusal
        return _render_cell(
            request, cell, as_of, may_edit, reconfirm_errors=[message], status=status
        )
    if action == "evidence":
        return _add_evidence(request, cell, as_of)
    return _record(request, cell, as_of)


def _add_evidence(request, cell, as_of):
    """A new item of evidence about this cell, from the evidence form."""
    form = EvidenceForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_cell(request, cell, as_of, True, evidence_form=form, status=400)
    try:
        item = services.create_evidence(request.user, cells=[cell], **form.service_kwargs())
    except REFUSALS as exc:
        refusal = add_to_form(form, exc)
        return _render_cell(request, cell, as_of, True, evidence_form=form, status=refusal.status)
    messages.success(
        request,
        _("Evidence %(id)s added to this cell; you can now rest an assessment on it.")
        % {"id": item.pk},
    )
    return redirect(reverse("cell", args=[cell.pk]))


def _record(request, cell, as_of):
    """A new assessment of this cell, from the assessment form."""
    evidence = _pickable_evidence(request.user, cell)
    form = AssessmentForm(request.POST, user=request.user, evidence=evidence)
    if not form.is_valid():
        return _render_cell(request, cell, as_of, True, form=form, status=400)
    try:
        result = services.submit_assessment(request.user, cell, **form.service_kwargs())
    except StaleVersion as exc:
        # Refused: show the fresh state, keep the input, carry the new version.
        data = request.POST.copy()
        data["version"] = str(exc.current)
        form = AssessmentForm(data, user=request.user, evidence=evidence)
        form.is_valid()
        refusal = add_to_form(form, exc)
        return _render_cell(request, cell, as_of, True, form=form, status=refusal.status)
    except REFUSALS as exc:
        refusal = add_to_form(form, exc)
        return _render_cell(request, cell, as_of, True, form=form, status=refusal.status)
    if isinstance(result, Proposal):
        messages.success(request, _("Sent for review: a second person publishes it."))
        return redirect(reverse("proposal", args=[result.public_id]))
    messages.success(request, _("Assessment recorded."))
    return redirect(reverse("cell", args=[cell.pk]))


def _reconfirm(request, cell):
    """ "Still true as of today": the current level again, today, on the same
    evidence and under the same marking (``services.reconfirm_cells``).
    Returns None when recorded (or sent for review), else (message, HTTP status)."""
    form = ReconfirmForm(request.POST)
    if not form.is_valid():
        return _("The form was incomplete; reload the page."), 400
    try:
        [result] = services.reconfirm_cells(request.user, {cell: form.cleaned_data["version"]})
    except REFUSALS as exc:
        refusal = refusal_of(exc)
        return " ".join(refusal.messages), refusal.status
    if isinstance(result, Proposal):
        messages.success(request, _("Reconfirmation sent for review."))
    else:
        messages.success(
            request,
            _("Reconfirmed: %(level)s, still true as of %(date)s.")
            % {"level": level_label(result.level), "date": result.effective_on.isoformat()},
        )
    return None


def _pickable_evidence(user, cell):
    """Visible, non-retracted evidence an editor may rest an assessment on: about
    this cell, its countries or its measure (most recent first)."""
    codes = [c for c in (cell.country_id, cell.partner_id) if c]
    about = Q(cells=cell) | Q(cells__measure_id=cell.measure_id)
    about |= Q(cells__country_id__in=codes) | Q(cells__partner_id__in=codes)
    ids = (
        Evidence.objects.visible_to(user)
        .filter(retracted=False)
        .filter(about)
        .values("pk")
        .distinct()
    )
    return list(
        Evidence.objects.filter(pk__in=ids)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")[:PICKABLE_LIMIT]
    )


def _render_cell(
    request,
    cell,
    as_of,
    may_edit,
    *,
    form=None,
    evidence_form=None,
    reconfirm_errors=(),
    status=200,
):
    """The cell page, with the forms as sent when a write was refused."""
    fresh = Cell.objects.with_level(request.user, as_of).get(pk=cell.pk)
    history = list(
        Assessment.objects.visible_to(request.user)
        .filter(cell=cell)
        .select_related("marking", "recorded_by", "retracted_by")
        .prefetch_related("evidence", replies_prefetch(request.user))
        .order_by("-effective_on", "-recorded_at", "-id")
    )
    evidence = list(
        Evidence.objects.visible_to(request.user)
        .filter(cells=cell)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")
    )
    if may_edit and form is None:
        form = _blank_assessment_form(request.user, cell, fresh)
    if may_edit and evidence_form is None:
        evidence_form = EvidenceForm(
            initial={"occurred_on": timezone.localdate()}, user=request.user
        )
    tables = _cell_tables(history, evidence)
    if request.method == "GET" and (response := csv_download(request, tables, f"cell-{cell.pk}")):
        return response
    _show_visible_evidence(history, evidence, form)
    return render(
        request,
        "measures/cell_detail.html",
        {
            "cell": cell,
            "fresh": fresh,
            "as_of": as_of,
            "measure_title": localized(cell.measure, "title"),
            **_due(cell, fresh, as_of),
            "history": history,
            "evidence": evidence,
            "may_edit": may_edit,
            "form": form,
            "evidence_form": evidence_form,
            "reconfirm_errors": reconfirm_errors,
            "can_reconfirm": may_edit and fresh.level not in (NO_EVIDENCE,),
            "page_marking": highest_marking(with_replies(history) + [e.marking for e in evidence]),
            "may_reply": viewer_for(request.user).may_reply_for(cell),
        },
        status=status,
    )


def _blank_assessment_form(user, cell, fresh):
    """The assessment form as first shown: today, the current level, the version read."""
    return AssessmentForm(
        initial={
            "version": fresh.version,
            "effective_on": timezone.localdate(),
            "level": fresh.level if fresh.level in Level.values else Level.NOT_STARTED,
        },
        user=user,
        evidence=_pickable_evidence(user, cell),
    )


def _show_visible_evidence(history, evidence, form):
    """Evidence of an assessment is shown only when the viewer may see it; evidence
    dated after the assessment is allowed, but flagged."""
    visible_ids = {e.pk for e in evidence} | (
        {e.pk for e in form.evidence_rows.values()} if form is not None else set()
    )
    for a in history:
        a.shown_evidence = [e for e in a.evidence.all() if e.pk in visible_ids]
        a.later_evidence = evidence_after(a, a.shown_evidence)


def _cell_tables(history, evidence):
    """The cell page's tables, downloadable as CSV."""
    return [
        Table(
            "history",
            [
                "level",
                "effective_on",
                "precision",
                "recorded_at",
                "recorded_by",
                "rationale",
                "evidence",
                "marking",
                "retracted",
            ],
            [
                (
                    a.level,
                    a.effective_on,
                    a.effective_precision,
                    a.recorded_at,
                    a.recorded_by.get_username(),
                    localized(a, "rationale"),
                    " ".join(str(e.public_id) for e in a.evidence.all()),
                    str(a.marking),
                    a.retracted,
                )
                for a in history
            ],
        ),
        Table(
            "evidence",
            ["id", "occurred_on", "summary", "source", "locator", "grade", "direction", "marking"],
            [
                (
                    e.public_id,
                    e.occurred_on,
                    localized(e, "summary"),
                    e.source.key,
                    e.locator,
                    e.reliability,
                    e.direction,
                    str(e.marking),
                )
                for e in evidence
            ],
        ),
    ]


def _due(cell, fresh, as_of):
    """When the cell is next due (its measure's cadence after the level was last known true)."""
    due = due_on(fresh.level, fresh.level_effective_on, cell.measure.cadence_days)
    return {
        "due_on": due,
        "due_state": due_state(due, as_of),
        "cadence_days": cell.measure.cadence_days,
    }
