"""Review by a second person: what awaits the user's review, their own
proposals, and one proposal beside the cell's current level. Each decision
posts to a view of its own, which calls the services and redirects back (or
shows the proposal again with the refusal)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from measures import services
from measures.access import viewer_for
from measures.choices import Level, ProposalState
from measures.models import Cell
from measures.reads.labels import localized
from measures.reads.review import awaiting_review, own_proposals, proposals_for
from measures.services.refusals import REFUSALS, refusal_of


class DecisionForm(forms.Form):
    """The proposal's version as read, and an optional (or required) comment."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=gettext_lazy("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReproposeForm(forms.Form):
    """A returned proposal, proposed again: its values, as the author changes them."""

    cell_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    level = forms.ChoiceField(label=gettext_lazy("level"), choices=Level.choices)
    effective_on = forms.DateField(
        label=gettext_lazy("effective on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    rationale_en = forms.CharField(
        label=gettext_lazy("rationale (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rationale_fr = forms.CharField(
        label=gettext_lazy("rationale (French)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@require_GET
def proposal_list(request):
    return render(
        request,
        "measures/proposals.html",
        {
            "awaiting": list(awaiting_review(request.user)),
            "own": list(own_proposals(request.user)),
        },
    )


@login_required
@require_GET
def proposal_detail(request, public_id):
    return _render_detail(request, _proposal(request, public_id))


def _proposal(request, public_id):
    """The proposal, if ``request.user`` may see it: 404 otherwise, as for an unknown one."""
    return get_object_or_404(proposals_for(request.user), public_id=public_id)


def _render_detail(request, proposal, *, errors=(), status=200):
    viewer = viewer_for(request.user)
    is_author = proposal.proposed_by_id == request.user.pk
    is_open = proposal.state == ProposalState.OPEN
    may_review = is_open and not is_author and viewer.may_edit_cell(proposal.cell)
    may_repropose = (
        is_author
        and proposal.state == ProposalState.RETURNED
        and not hasattr(proposal, "superseded_by")
    )
    repropose_form = None
    if may_repropose:
        cell = Cell.objects.with_version(request.user).get(pk=proposal.cell_id)
        repropose_form = ReproposeForm(
            initial={
                "cell_version": cell.version,
                "level": proposal.level,
                "effective_on": proposal.effective_on,
                "rationale_en": proposal.rationale_en,
                "rationale_fr": proposal.rationale_fr,
            }
        )
    return render(
        request,
        "measures/proposal_detail.html",
        {
            "proposal": proposal,
            "rationale": localized(proposal, "rationale"),
            "may_review": may_review,
            "may_withdraw": is_open and is_author,
            "repropose_form": repropose_form,
            "decision_form": DecisionForm(initial={"version": proposal.version}),
            "errors": errors,
            "page_marking": proposal.marking,
        },
        status=status,
    )


def _decide(request, public_id, service, done):
    proposal = _proposal(request, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, proposal, errors=[_("Reload the page.")], status=400)
    try:
        service(
            request.user,
            proposal,
            expected_version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except REFUSALS as exc:
        refusal = refusal_of(exc)
        fresh = _proposal(request, public_id)
        return _render_detail(request, fresh, errors=refusal.messages, status=refusal.status)
    messages.success(request, done)
    return redirect(reverse("proposals"))


@login_required
@require_POST
def approve(request, public_id):
    return _decide(
        request, public_id, services.approve_proposal, _("Approved: the assessment is published.")
    )


@login_required
@require_POST
def return_(request, public_id):
    return _decide(
        request, public_id, services.return_proposal, _("Returned to its author with your comment.")
    )


@login_required
@require_POST
def withdraw(request, public_id):
    return _decide(request, public_id, services.withdraw_proposal, _("Proposal withdrawn."))


@login_required
@require_POST
def repropose(request, public_id):
    returned = _proposal(request, public_id)
    form = ReproposeForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, returned, errors=[_("Check the values.")], status=400)
    data = form.cleaned_data
    try:
        again = services.repropose(
            request.user,
            returned,
            expected_version=data.pop("cell_version"),
            **data,
        )
    except REFUSALS as exc:
        refusal = refusal_of(exc)
        return _render_detail(request, returned, errors=refusal.messages, status=refusal.status)
    messages.success(request, _("Proposed again: a second person publishes it."))
    return redirect(reverse("proposal", args=[again.public_id]))
