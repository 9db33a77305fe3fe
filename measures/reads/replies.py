"""Replies as a viewer reads them: beside the assessments they answer, on the
cell page and in the API, in one query per list (a Prefetch), never one per
assessment."""

from django.db.models import Prefetch

from measures.models import Evidence, Reply


def visible_replies(user):
    """The replies ``user`` may see, with what their rendering reads."""
    return (
        Reply.objects.visible_to(user)
        .select_related("country", "marking", "created_by", "retracted_by", "assessment")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.visible_to(user).only("id", "public_id", "occurred_on"),
                to_attr="visible_evidence",
            )
        )
        .order_by("created_at", "id")
    )


def replies_prefetch(user, to_attr="shown_replies"):
    """Put each assessment's visible replies (oldest first) on ``to_attr``."""
    return Prefetch("replies", queryset=visible_replies(user), to_attr=to_attr)


def reply_markings(assessments, to_attr="shown_replies"):
    """The markings of the replies shown with ``assessments`` (for the page's banner)."""
    return [r.marking for a in assessments for r in getattr(a, to_attr, ())]


def with_replies(assessments, to_attr="shown_replies"):
    """The markings of ``assessments`` and of the replies shown with them."""
    return [a.marking for a in assessments] + reply_markings(assessments, to_attr)
