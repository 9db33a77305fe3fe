"""Review by a second person: recordings become proposals (``CBM_REVIEW``)."""

from .cells import record_assessment


def submit_assessment(actor, cell, **kwargs):
    """The one way people record a level: returns the published Assessment, or
    the Proposal it became when the review policy wants a second person.

    Takes ``record_assessment``'s arguments.
    """
    return record_assessment(actor, cell, **kwargs)
