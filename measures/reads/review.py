"""Proposals as a viewer reads them (review by a second person).

Every list starts from ``Proposal.objects.visible_to`` or
``awaiting_review_by`` (measures/access), so a proposal a viewer may not see
is counted, listed and compared nowhere.
"""

from django.db.models import OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from ..access import viewer_for
from ..choices import NO_EVIDENCE
from ..models import Assessment, Evidence, Proposal


def current_level(user):
    """The proposal's cell's current level *for* ``user`` (``Cell.with_level``'s rule)."""
    latest = (
        Assessment.objects.visible_to(user)
        .filter(cell=OuterRef("cell"), retracted=False)
        .order_by("-effective_on", "-recorded_at", "-id")
    )
    return Coalesce(Subquery(latest.values("level")[:1]), Value(NO_EVIDENCE))


def with_details(proposals, user):
    """What a list of proposals shows, in a constant number of queries."""
    return (
        proposals.annotate(current_level=current_level(user))
        .select_related(
            "cell__measure",
            "cell__country",
            "cell__partner",
            "marking",
            "proposed_by",
            "decided_by",
            "supersedes",
            "assessment",
        )
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.visible_to(user).select_related("source"),
                to_attr="visible_evidence",
            )
        )
    )


def proposals_for(user):
    """Every proposal ``user`` may see, newest first."""
    return with_details(Proposal.objects.visible_to(user), user).order_by("-proposed_at", "-id")


def awaiting_review(user):
    """Open proposals ``user`` may decide, oldest first (first come, first reviewed)."""
    return with_details(Proposal.objects.awaiting_review_by(user), user).order_by(
        "proposed_at", "id"
    )


def own_proposals(user):
    """``user``'s own proposals: open, returned (to propose again) or decided."""
    if viewer_for(user).user_id is None:
        return Proposal.objects.none()
    return proposals_for(user).filter(proposed_by_id=user.pk)


def awaiting_review_count(user):
    """The nav's count: no query for those who review nothing."""
    if not viewer_for(user).is_editor:
        return 0
    return Proposal.objects.awaiting_review_by(user).count()
