"""Review by a second person: recordings become proposals (``CBM_REVIEW``)."""

from django.utils.translation import gettext as _

from ..audit.revisions import change
from .cells import record_in_change


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
    return record_in_change(
        current,
        actor,
        cell,
        level=level,
        effective_on=effective_on,
        expected_version=expected_version,
        effective_precision=effective_precision,
        rationale_en=rationale_en,
        rationale_fr=rationale_fr,
        evidence=list(evidence),
        marking=marking,
    )
