"""Review by a second person: recordings become proposals (``CBM_REVIEW``).

``submit_assessment`` is the one way people record a level. Under the
deployment's policy (``settings.CBM_REVIEW``, a ``ReviewPolicy``) it either
publishes the assessment (``record_in_change``) or files a ``Proposal``:

- ``none``: nothing waits;
- ``level_changes`` (the default): a recording whose level differs from the
  cell's current level *as its author sees it* waits; a reconfirmation does not;
- ``all``: every recording waits.

The system actor (seed, commands, tasks) always publishes directly.

A proposal is checked like an assessment when it is filed (scope, evidence
visible and not retracted, marking within clearance and covering the
evidence, rationale, date, the cell version the author read). It links no
evidence to the cell and moves no cell version: until approved it is not a
fact the tracker states, and those who may not see it observe nothing
(``measures.access.WORKFLOW_MODELS``).

Approval publishes the assessment **as its author wrote it, in the author's
name**: ``recorded_by`` is the author (whose judgement it is), every check of
``record_in_change`` runs again as the author, and the approver is the
proposal's ``decided_by`` and the actor of the revision's audit records. The
cell must not have changed *as the author sees it* since ``based_on_version``
(the version the author read): the proposal claims "given what I saw, the level
is now X", so a write the author could not see does not make it stale, and a
write the author could see does. The approver's own view cannot be compared
(nobody knows what they saw when it was filed); the refusal names no version
number, since the author's count of assessments may include some the approver
may not see.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import viewer_for
from ..audit.revisions import StaleVersion, bump_version, change, snapshot
from ..choices import Action, ProposalState, ReviewPolicy
from ..models import Cell, Proposal
from ..rules import check_effective_on
from .cells import record_in_change
from .checks import (
    check_cell_version,
    check_may_edit,
    check_visible,
    cited_marking,
    locked,
)


def review_policy():
    return ReviewPolicy(settings.CBM_REVIEW)


def submit_assessment(actor, cell, *, message="", **kwargs):
    """The one way people record a level: returns the published Assessment, or
    the Proposal it became when the review policy wants a second person.

    Takes ``record_assessment``'s arguments.
    """
    with change(actor, message or _("Assessment recorded")) as current:
        return submit_in_change(current, actor, cell, **kwargs)


def submit_assessments(actor, entries, *, message=""):
    """Many submissions, all or nothing, under one revision: ``entries`` are
    dicts of ``submit_assessment``'s arguments, each with its ``cell``."""
    message = message or _("Assessment recorded for %(n)s cells") % {"n": len(entries)}
    with change(actor, message) as current:
        return [submit_in_change(current, actor, **entry) for entry in entries]


def needs_review(actor, cell, level):
    """Does this recording wait for a second person under the policy?"""
    viewer = viewer_for(actor)
    if viewer.sees_all:
        return False
    policy = review_policy()
    if policy == ReviewPolicy.ALL:
        return True
    if policy == ReviewPolicy.NONE:
        return False
    current = Cell.objects.with_level(actor).values_list("level", flat=True).get(pk=cell.pk)
    return current != level


def submit_in_change(
    current,
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
):
    """``submit_assessment`` inside the caller's ``change()``."""
    fields = {
        "level": level,
        "effective_on": effective_on,
        "expected_version": expected_version,
        "effective_precision": effective_precision,
        "rationale_en": rationale_en,
        "rationale_fr": rationale_fr,
        "evidence": list(evidence),
        "marking": marking,
    }
    if needs_review(actor, cell, level):
        return propose_in_change(current, actor, cell, **fields)
    return record_in_change(current, actor, cell, **fields)


def propose_in_change(
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
    supersedes=None,
):
    """File a proposal, checked as ``record_in_change`` checks an assessment."""
    cell = locked(Cell, cell.pk)
    check_may_edit(actor, cell)
    marking = cited_marking(actor, evidence, marking)
    if not (rationale_en.strip() or rationale_fr.strip()):
        raise ValidationError({"rationale_en": _("Say why: a rationale is required.")})
    proposal = Proposal(
        cell=cell,
        level=level,
        effective_on=effective_on,
        effective_precision=effective_precision,
        rationale_en=rationale_en,
        rationale_fr=rationale_fr,
        marking=marking,
        based_on_version=expected_version or 0,
        proposed_by=actor,
        supersedes=supersedes,
    )
    proposal.full_clean(exclude=["based_on_version", "supersedes"])
    check_effective_on(proposal.effective_on)
    check_cell_version(actor, cell, expected_version)
    proposal.save()
    if evidence:
        proposal.evidence.set(evidence)
    current.take_revision()
    current.record(
        proposal,
        Action.CREATE,
        after=snapshot(proposal),
        marking=marking,
        message=_("Proposed for review"),
    )
    return proposal


# --- deciding ----------------------------------------------------------------


def check_may_review(actor, proposal):
    """A second person: not the author; an admin, or an editor whose scope holds the cell."""
    check_visible(actor, proposal)
    if proposal.proposed_by_id == actor.pk:
        raise PermissionDenied(_("A second person must review this: you proposed it."))
    if not viewer_for(actor).may_edit_cell(proposal.cell):
        raise PermissionDenied(
            _("You may not review for %(cell)s: it is outside your country scope.")
            % {"cell": proposal.cell.cell_label}
        )


def check_open(proposal):
    if proposal.state != ProposalState.OPEN:
        raise ValidationError(
            {
                "state": _("This proposal is no longer open (%(state)s).")
                % {"state": proposal.get_state_display()}
            }
        )


def decide(current, actor, proposal, state, comment, before, message):
    proposal.state = state
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.comment = comment
    proposal.save(update_fields=["state", "decided_by", "decided_at", "comment", "assessment"])
    current.record(
        proposal,
        Action.UPDATE,
        before,
        snapshot(proposal),
        marking=proposal.marking,
        message=message,
    )
    return proposal


def open_for_decision(actor, proposal, expected_version):
    """The proposal, locked and re-read, visible to ``actor``, open, at the version read."""
    check_visible(actor, proposal)
    proposal = locked(Proposal, proposal.pk)
    check_open(proposal)
    before = snapshot(proposal)
    bump_version(proposal, expected_version)
    return proposal, before


def approve_proposal(actor, proposal, *, expected_version, comment=""):
    """Publish the proposal's assessment (see the module docstring: in the
    author's name, checked as the author, refused when the cell changed for
    the author since they proposed)."""
    with change(actor, _("Proposal approved")) as current:
        check_may_review(actor, proposal)
        proposal, before = open_for_decision(actor, proposal, expected_version)
        try:
            assessment = record_in_change(
                current,
                proposal.proposed_by,
                proposal.cell,
                level=proposal.level,
                effective_on=proposal.effective_on,
                expected_version=proposal.based_on_version,
                effective_precision=proposal.effective_precision,
                rationale_en=proposal.rationale_en,
                rationale_fr=proposal.rationale_fr,
                evidence=list(proposal.evidence.all()),
                marking=proposal.marking,
            )
        except StaleVersion:
            raise ValidationError(
                {
                    "state": ValidationError(
                        _(
                            "The cell changed since this proposal was made. Return it, so that "
                            "its author can propose again from the current state."
                        ),
                        code="stale",
                    )
                }
            ) from None
        except PermissionDenied:
            # Checked as the author: their scope or clearance changed since.
            raise PermissionDenied(
                _("Its author may no longer record this: return the proposal.")
            ) from None
        proposal.assessment = assessment
        return decide(
            current, actor, proposal, ProposalState.APPROVED, comment, before, _("Approved")
        )


def return_proposal(actor, proposal, *, expected_version, comment):
    """Send a proposal back to its author, saying why (a comment is required)."""
    with change(actor, _("Proposal returned")) as current:
        check_may_review(actor, proposal)
        if not comment.strip():
            raise ValidationError({"comment": _("Say why it is returned.")})
        proposal, before = open_for_decision(actor, proposal, expected_version)
        return decide(
            current, actor, proposal, ProposalState.RETURNED, comment, before, _("Returned")
        )


def withdraw_proposal(actor, proposal, *, expected_version, comment=""):
    """The author takes an open proposal back."""
    with change(actor, _("Proposal withdrawn")) as current:
        check_visible(actor, proposal)
        if proposal.proposed_by_id != actor.pk:
            raise PermissionDenied(_("Only its author may withdraw a proposal."))
        proposal, before = open_for_decision(actor, proposal, expected_version)
        return decide(
            current, actor, proposal, ProposalState.WITHDRAWN, comment, before, _("Withdrawn")
        )


def repropose(actor, returned, *, expected_version, **fields):
    """Propose again after a return: a new proposal that ``supersedes`` the
    returned one, whatever the policy now says (it answers a reviewer).
    ``expected_version``: the cell's version as the author reads it now."""
    with change(actor, _("Proposed again")) as current:
        check_visible(actor, returned)
        returned = locked(Proposal, returned.pk)
        if returned.proposed_by_id != actor.pk:
            raise PermissionDenied(_("Only its author may propose it again."))
        if returned.state != ProposalState.RETURNED:
            raise ValidationError({"state": _("Only a returned proposal is proposed again.")})
        if Proposal.objects.filter(supersedes=returned).exists():
            raise ValidationError({"state": _("This proposal was already proposed again.")})
        values = {
            "level": returned.level,
            "effective_on": returned.effective_on,
            "effective_precision": returned.effective_precision,
            "rationale_en": returned.rationale_en,
            "rationale_fr": returned.rationale_fr,
            "evidence": list(returned.evidence.all()),
            "marking": returned.marking,
        } | fields
        return propose_in_change(
            current,
            actor,
            returned.cell,
            expected_version=expected_version,
            supersedes=returned,
            **values,
        )
