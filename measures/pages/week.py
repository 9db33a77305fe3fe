"""My week: the cells an editor should look at now, and the bulk actions on
them — "still true today" (a nil report) for the selected cells with one
reason, or one level on the same evidence for them. Each bulk action is one
transaction (measures/services/week.py); each row carries the version the
editor saw, so a cell someone changed since refuses the batch, named.

Works without JavaScript ("select all due" is a checkbox the server reads);
measures/static/measures/week.js only ticks the rows to show it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from countries.models import Country
from measures import services
from measures.access import viewer_for
from measures.choices import MARKING_RANK, Domain, Level, MarkingLevel
from measures.models import Cell, Evidence, Measure, Proposal
from measures.reads import worklist
from measures.reads.labels import is_french, level_label, localized
from measures.services.refusals import REFUSALS, refusal_of

from .forms import DATE_INPUT

# The evidence offered to "same level, same evidence": newest first, at most.
EVIDENCE_LIMIT = 200


class WeekFilterForm(forms.Form):
    """The week's filters, in the URL (GET)."""

    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    measure = forms.TypedChoiceField(
        label=gettext_lazy("Measure"), required=False, coerce=int, empty_value=None
    )
    domain = forms.ChoiceField(label=gettext_lazy("Domain"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("Why listed"), required=False)

    def __init__(self, data, *, viewer):
        super().__init__(data)
        everything = [("", gettext_lazy("all"))]
        countries = Country.objects.order_by("iso2")
        if not viewer.is_admin:
            countries = countries.filter(iso2__in=viewer.scope)
        self.fields["country"].choices = everything + [(c.iso2, str(c)) for c in countries]
        self.fields["measure"].choices = everything + [
            (m.number, f"{m.number}. {localized(m, 'title')[:60]}")
            for m in Measure.objects.order_by("number")
        ]
        self.fields["domain"].choices = everything + list(Domain.choices)
        self.fields["state"].choices = everything + list(worklist.REASONS.items())

    def filters(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "countries": {data["country"]} if data.get("country") else (),
            "measures": {data["measure"]} if data.get("measure") else (),
            "domains": {data["domain"]} if data.get("domain") else (),
            "states": {data["state"]} if data.get("state") else (),
        }


class ReconfirmForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Why each selected cell is still true today (one reason for all)."),
    )
    all_due = forms.BooleanField(label=gettext_lazy("Select all due"), required=False)


class SameLevelForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Level"))
    effective_on = forms.DateField(label=gettext_lazy("Effective on"), widget=DATE_INPUT)
    evidence = forms.MultipleChoiceField(
        label=gettext_lazy("Evidence"), required=False, widget=forms.SelectMultiple
    )
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, evidence, **kwargs):
        super().__init__(*args, **kwargs)
        # No level preselected: the editor chooses one.
        self.fields["level"].choices = [("", "—"), *Level.choices]
        self.items = {str(e.public_id): e for e in evidence}
        self.fields["evidence"].choices = [
            (key, f"{e.occurred_on:%Y-%m-%d} · {localized(e, 'summary')[:80]}")
            for key, e in self.items.items()
        ]


@login_required
@require_http_methods(["GET", "POST"])
def week(request):
    viewer = viewer_for(request.user)
    if not viewer.is_editor:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        done = _reconfirm(request) if action == "reconfirm" else _same_level(request)
        if done is True:
            return redirect(request.get_full_path())
        return _render(request, viewer, **done)
    return _render(request, viewer)


def _selected(request, *, all_due):
    """{Cell: the version the editor saw} for the ticked rows (and every due
    row shown, for "select all due"), or an error message."""
    chosen = set(request.POST.getlist("cell"))
    if all_due:
        chosen |= set(request.POST.getlist("due"))
    if not chosen:
        return _("Select at least one cell.")
    try:
        versions = {int(pk): int(request.POST[f"version-{pk}"]) for pk in chosen}
    except (KeyError, ValueError):
        return _("The form was incomplete; reload the page.")
    cells = Cell.objects.select_related("measure").in_bulk(list(versions))
    if len(cells) != len(versions):
        return _("The form was incomplete; reload the page.")
    return {cells[pk]: version for pk, version in sorted(versions.items())}


def _reason_kwargs(text, prefix):
    return {f"{prefix}_fr" if is_french() else f"{prefix}_en": text}


def _reconfirm(request):
    form = ReconfirmForm(request.POST, prefix="reconfirm")
    if not form.is_valid():
        return {"reconfirm_form": form, "status": 400}
    versions = _selected(request, all_due=form.cleaned_data["all_due"])
    if isinstance(versions, str):
        messages.error(request, versions)
        return {"reconfirm_form": form, "status": 400}
    try:
        results = services.reconfirm_cells(
            request.user, versions, **_reason_kwargs(form.cleaned_data["reason"], "reason")
        )
    except REFUSALS as exc:
        return _refused(request, exc, reconfirm_form=form)
    _report(request, results, lambda n: _("Reconfirmed %(n)s cells: still true today.") % {"n": n})
    return True


def _same_level(request):
    form = SameLevelForm(request.POST, prefix="assess", evidence=_evidence(request.user))
    if not form.is_valid():
        return {"assess_form": form, "status": 400}
    versions = _selected(request, all_due=False)
    if isinstance(versions, str):
        messages.error(request, versions)
        return {"assess_form": form, "status": 400}
    data = form.cleaned_data
    try:
        results = services.assess_cells(
            request.user,
            versions,
            level=data["level"],
            effective_on=data["effective_on"],
            evidence=[form.items[key] for key in data["evidence"]],
            **_reason_kwargs(data["rationale"], "rationale"),
        )
    except REFUSALS as exc:
        return _refused(request, exc, assess_form=form)
    level = level_label(data["level"])
    _report(
        request,
        results,
        lambda n: _("Recorded %(level)s for %(n)s cells.") % {"level": level, "n": n},
    )
    return True


def _refused(request, exc, **forms_sent):
    """Nothing was written: say why (naming the cell), keep what was typed."""
    refusal = refusal_of(exc)
    for message in refusal.messages:
        messages.error(request, message)
    return {**forms_sent, "status": refusal.status}


def _report(request, results, recorded):
    """What happened, counting what review turned into proposals apart."""
    proposed = sum(isinstance(r, Proposal) for r in results)
    if len(results) - proposed:
        messages.success(request, recorded(len(results) - proposed))
    if proposed:
        messages.success(request, _("%(n)s sent for review.") % {"n": proposed})


def _evidence(user):
    """Evidence the editor may rest a bulk assessment on: visible and not
    retracted, newest first (the service checks each again)."""
    return list(
        Evidence.objects.visible_to(user)
        .filter(retracted=False)
        .select_related("source")
        .order_by("-occurred_on", "-id")[:EVIDENCE_LIMIT]
    )


def _render(request, viewer, *, reconfirm_form=None, assess_form=None, status=200):
    visit = services.note_week_visit(request.user)
    filters = WeekFilterForm(request.GET, viewer=viewer)
    rows = worklist.week(request.user, since=visit.since, **filters.filters())
    clearance = {rank: level for level, rank in MARKING_RANK.items()}[viewer.clearance_rank]
    return render(
        request,
        "measures/week.html",
        {
            "rows": rows,
            "due_count": sum(r.is_due for r in rows),
            "since": visit.since,
            "filters": filters,
            "viewer": viewer,
            "scope": sorted(viewer.scope),
            "clearance": MarkingLevel(clearance).label,
            "affiliations": sorted(viewer.countries | viewer.initiative_slugs),
            "reasons": worklist.REASONS,
            "selected": set(request.POST.getlist("cell")),
            "reconfirm_form": reconfirm_form or ReconfirmForm(prefix="reconfirm"),
            "assess_form": assess_form
            or SameLevelForm(
                prefix="assess",
                evidence=_evidence(request.user),
                initial={"effective_on": timezone.localdate()},
            ),
        },
        status=status,
    )
