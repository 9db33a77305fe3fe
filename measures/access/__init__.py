"""The one access rule: who may see which marked row, and who may write where.

Every output (API, pages, exports, scorecards, digests, admin) reads through
a ``visible_to()`` queryset method from ``querysets``; every write re-checks
``Viewer.may_*`` (``viewer``) inside the service's transaction. Nothing else
in the code base decides visibility. The package imports no models at import
time: it sits below them (docs/architecture.md).
"""

from .querysets import (
    CarriedWithInitiativeQuerySet,
    ChangeRecordQuerySet,
    OptionallyMarkedQuerySet,
    ProposalQuerySet,
    ReplyQuerySet,
    VisibleQuerySet,
    editable_cells,
    seen_as,
    visible_markings,
)
from .viewer import (
    ANONYMOUS_PUBLIC,
    NOBODY,
    SYSTEM,
    SYSTEM_USERNAME,
    Viewer,
    access_snapshot,
    is_account_model,
    is_workflow_model,
    viewer_for,
    viewers_for,
)

__all__ = [
    "ANONYMOUS_PUBLIC",
    "NOBODY",
    "SYSTEM",
    "SYSTEM_USERNAME",
    "CarriedWithInitiativeQuerySet",
    "ChangeRecordQuerySet",
    "OptionallyMarkedQuerySet",
    "ProposalQuerySet",
    "ReplyQuerySet",
    "Viewer",
    "VisibleQuerySet",
    "access_snapshot",
    "editable_cells",
    "seen_as",
    "is_account_model",
    "is_workflow_model",
    "viewer_for",
    "viewers_for",
    "visible_markings",
]
