"""A cell (one measure in one country, or a pair): its history and evidence, and
the staff's workflow on it (record an assessment with its evidence in one
pass, reconfirm). Every write goes through measures/services."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from countries.models import CountryPair
from measures import services
from measures.access import viewer_for
from measures.audit.revisions import StaleVersion
from measures.choices import NO_EVIDENCE
from measures.models import Assessment, Cell, Evidence, Proposal
from measures.reads.history import cell_timeline
from measures.reads.labels import highest_marking, level_label, localized
from measures.reads.replies import replies_prefetch, with_replies
from measures.rules import due_on, due_state, evidence_after
from measures.services.refusals import REFUSALS, add_to_form, refusal_of

from .common import Table, csv_download, read_as_of, readable
from .forms import NewEvidenceForm, NewSourceForm, ReconfirmForm, RecordForm

# The evidence an editor may pick from lists at most this many items (newest first).
PICKABLE_LIMIT = 200


@dataclass
class RecordingForms:
    """The one-pass form's parts: the assessment (``form``), one new item of
    evidence and one new source; ``nothing_cited`` shows the warning."""

    form: RecordForm
    new_evidence: NewEvidenceForm
    new_source: NewSourceForm
    nothing_cited: bool = True


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
    # The page's forms say what was asked in ``action``.
    action = request.POST.get("action", "record")
    if action == "reconfirm":
        refusal = _reconfirm(request, cell)
        if refusal is None:
            return redirect(reverse("cell", args=[cell.pk]))
        message, status = refusal
        return _render_cell(
            request, cell, as_of, may_edit, reconfirm_errors=[message], status=status
        )
    if action == "search":
        # Narrow the evidence offered, keeping every value typed so far.
        parts = _recording_forms(request.user, cell, request.POST, bound=False)
        return _render_cell(request, cell, as_of, may_edit, forms=parts)
    return _record(request, cell, as_of)


def _record(request, cell, as_of):
    """A new assessment of this cell with the evidence it rests on — cited,
    and/or new with a new source — in one service call (one revision)."""
    parts = _recording_forms(request.user, cell, request.POST)
    if not _valid(parts):
        return _render_cell(request, cell, as_of, True, forms=parts, status=400)
    try:
        done = services.record_with_evidence(
            request.user,
            cell,
            assessment=parts.form.service_kwargs(),
            new_evidence=_kwargs_if_filled(parts.new_evidence, request.POST),
            new_source=_kwargs_if_filled(parts.new_source, request.POST),
        )
    except StaleVersion as exc:
        # Refused: show the fresh state, keep the input, carry the new version.
        data = request.POST.copy()
        data["version"] = str(exc.current)
        parts = _recording_forms(request.user, cell, data)
        _valid(parts)
        refusal = add_to_form(parts.form, exc)
        return _render_cell(request, cell, as_of, True, forms=parts, status=refusal.status)
    except REFUSALS as exc:
        refusal = add_to_form(parts.form, exc, parts=(parts.new_evidence, parts.new_source))
        return _render_cell(request, cell, as_of, True, forms=parts, status=refusal.status)
    _say_recorded(request, done)
    if isinstance(done.result, Proposal):
        # The author follows their proposal from its page (approve, return).
        return redirect(reverse("proposal", args=[done.result.public_id]))
    return redirect(reverse("cell", args=[cell.pk]))


def _say_recorded(request, done):
    """The result message: what was written, and a warning when nothing was cited."""
    if isinstance(done.result, Proposal):
        messages.success(
            request, _("Sent for review: a second person must approve it before it is published.")
        )
    else:
        messages.success(request, _("Assessment recorded."))
    if done.source is not None:
        messages.info(request, _("New source added: %(title)s.") % {"title": done.source.title})
    if done.evidence is not None:
        messages.info(request, _("New evidence added to this cell and cited."))
    elif not request.POST.getlist("evidence"):
        messages.warning(
            request, _("Saved without evidence: nothing was cited. Cite evidence when you can.")
        )


def _kwargs_if_filled(part, data):
    """A part's service arguments when the editor filled it in, else None."""
    return part.service_kwargs() if type(part).filled(data) else None


def _valid(parts):
    """Validate the assessment and the parts the editor filled in (every form,
    so that each shows its own errors)."""
    checked = [parts.form.is_valid()]
    for part in (parts.new_evidence, parts.new_source):
        if part.is_bound:
            checked.append(part.is_valid())
    return all(checked)


def _recording_forms(user, cell, data=None, *, bound=True, q=""):
    """The one-pass form's parts: blank (``data`` None), bound to a POST, or
    showing a POST's values unbound (a search: no errors yet). A part the
    editor left empty is shown blank, never with errors."""
    data = data if data is not None else {}
    q = (data.get("q") or q or "").strip()[:200]
    chosen = data.getlist("evidence") if hasattr(data, "getlist") else []
    evidence = pickable_evidence(user, cell, q=q, chosen=chosen)
    today = timezone.localdate()
    blank = {"": {"effective_on": today, "q": q}, "new_evidence": {"occurred_on": today}}
    made = []
    for form_class, kwargs in (
        (RecordForm, {"evidence": evidence}),
        (NewEvidenceForm, {}),
        (NewSourceForm, {}),
    ):
        prefix = form_class.prefix or ""
        filled = form_class is RecordForm or form_class.filled(data)
        if data and filled and bound:
            made.append(form_class(data, user=user, **kwargs))
        elif data and filled:
            made.append(
                form_class(initial=_values(form_class, data, user, kwargs), user=user, **kwargs)
            )
        else:
            made.append(form_class(initial=blank.get(prefix, {}), user=user, **kwargs))
    nothing = not chosen and not NewEvidenceForm.filled(data)
    return RecordingForms(*made, nothing_cited=nothing)


def _values(form_class, data, user, kwargs):
    """What ``data`` holds for each field of ``form_class``, as initial values."""
    form = form_class(user=user, **kwargs)
    return {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        for name, field in form.fields.items()
    }


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


def pickable_evidence(user, cell, *, q="", chosen=()):
    """Visible, non-retracted evidence an editor may cite: about this cell
    first, then its countries, then its measure (most recent first within
    each); with ``q``, what matches it, wherever filed; and whatever the
    editor already ticked (``chosen`` public ids), so a search loses no tick.
    Each row says why it is offered in ``about``."""
    visible = base = Evidence.objects.visible_to(user).filter(retracted=False)
    codes = [c for c in (cell.country_id, cell.partner_id) if c]
    groups = [
        ("cell", Q(cells=cell)),
        ("country", Q(cells__country_id__in=codes) | Q(cells__partner_id__in=codes)),
        ("measure", Q(cells__measure_id=cell.measure_id)),
    ]
    if q:
        words = Q()
        for field in ("summary_en", "summary_fr", "quote", "locator", "source__title"):
            words |= Q(**{f"{field}__icontains": q})
        visible = visible.filter(words | Q(source__key=q))
        groups.append(("found", Q()))
    rows, seen = [], set()
    for about, where in groups:
        room = PICKABLE_LIMIT - len(rows)
        if room <= 0:
            break
        ids = visible.filter(where).values("pk").distinct()
        for item in _evidence_rows(ids).exclude(pk__in=seen)[:room]:
            item.about = about
            rows.append(item)
            seen.add(item.pk)
    ticked = [v for v in chosen if _is_uuid(v)]
    if ticked:
        ids = base.filter(public_id__in=ticked).values("pk")
        for item in _evidence_rows(ids).exclude(pk__in=seen):
            item.about = "chosen"
            rows.append(item)
    return rows


def _evidence_rows(ids):
    return (
        Evidence.objects.filter(pk__in=ids)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")
    )


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _render_cell(
    request,
    cell,
    as_of,
    may_edit,
    *,
    forms=None,
    reconfirm_errors=(),
    status=200,
):
    """The cell page, with the forms as sent when a write was refused."""
    fresh = Cell.objects.with_level(request.user, as_of, precision=True).get(pk=cell.pk)
    history = _history(request.user, cell)
    evidence = list(
        Evidence.objects.visible_to(request.user)
        .filter(cells=cell)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")
    )
    if may_edit and forms is None:
        forms = _recording_forms(request.user, cell, q=request.GET.get("q", ""))
    if forms is not None and not forms.form.is_bound:
        forms.form.initial.setdefault("version", fresh.version)
    form = forms.form if forms is not None else None
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
            "pair_note": _pair_note(cell),
            **_due(cell, fresh, as_of),
            "history": history,
            "timeline": cell_timeline(request.user, cell, as_of),
            "evidence": evidence,
            "may_edit": may_edit,
            "form": form,
            "evidence_form": forms.new_evidence if forms is not None else None,
            "source_form": forms.new_source if forms is not None else None,
            "nothing_cited": forms is not None and forms.nothing_cited,
            "reconfirm_errors": reconfirm_errors,
            "can_reconfirm": may_edit and fresh.level not in (NO_EVIDENCE,),
            "page_marking": highest_marking(with_replies(history) + [e.marking for e in evidence]),
            "may_reply": viewer_for(request.user).may_reply_for(cell),
        },
        status=status,
    )


def _pair_note(cell):
    """Why the pair is tracked (its note, in the page's language); pairs carry no marking."""
    if cell.partner_id is None:
        return ""
    pair = CountryPair.objects.filter(country=cell.country_id, partner=cell.partner_id).first()
    return localized(pair, "note") if pair is not None else ""


def _history(user, cell):
    """The cell's assessments the viewer may see, newest first, each with the
    evidence it cites that the viewer may see (``visible_evidence``): a
    visible assessment may cite evidence re-marked above them since (by
    someone who could not see the assessment, or after it was retracted)."""
    return list(
        Assessment.objects.visible_to(user)
        .filter(cell=cell)
        .select_related("marking", "recorded_by", "retracted_by")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.visible_to(user),
                to_attr="visible_evidence",
            ),
            replies_prefetch(user),
        )
        .order_by("-effective_on", "-recorded_at", "-id")
    )


def _show_visible_evidence(history, evidence, form):
    """Evidence of an assessment is shown only when the viewer may see it; evidence
    dated after the assessment is allowed, but flagged."""
    visible_ids = {e.pk for e in evidence} | (
        {e.pk for e in form.evidence_rows.values()} if form is not None else set()
    )
    for a in history:
        a.shown_evidence = [e for e in a.visible_evidence if e.pk in visible_ids]
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
                    " ".join(sorted(str(e.public_id) for e in a.visible_evidence)),
                    str(a.marking),
                    a.retracted,
                )
                for a in history
            ],
            # The evidence column names items by handle: not their content.
            releases=history,
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
            releases=evidence,
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
