"""Every write to the tracker, and the rules it obeys: the service layer.

One module per aggregate — ``cells`` (assessments), ``evidence``,
``reference`` (sources and reference data), ``accounts`` (grants, tokens) —
sharing the checks in ``checks`` (digest subscriptions: ``digests.services``).
This module is the layer's interface: callers write ``services.record_assessment(...)``.

Each function validates, checks the actor's scope and clearance against the
rows as they are *inside* the transaction, bumps versions with a
compare-and-swap, and writes the rows, the revision and the audit records in
one transaction (measures/audit/revisions.py). Views, serializers, admin, commands
and tasks call these and hold no business rules of their own.

Errors: ``ValidationError`` (bad input, with field messages),
``PermissionDenied`` (outside scope or clearance), ``NotVisible`` (the actor
may not see the object: callers answer 404), ``StaleVersion`` (someone wrote
first). On any of them nothing is written.
"""

from ..audit.revisions import StaleVersion
from .accounts import (
    default_token_days,
    grant,
    issue_token,
    password_link,
    revoke_token,
    set_password,
    system_actor,
)
from .cells import (
    create_missing_cells,
    record_assessment,
    record_assessments,
    record_in_change,
    retract_assessment,
)
from .checks import NotVisible
from .evidence import (
    attach_evidence,
    create_evidence,
    create_evidence_in_change,
    remark_evidence,
    retract_evidence,
)
from .imports import ImportRefused, apply_import, preview_import
from .recording import Recording, record_with_evidence
from .reference import delete_reference, save_reference, save_source, save_source_in_change
from .replies import reply_to_assessment, retract_reply
from .review import (
    approve_proposal,
    needs_review,
    repropose,
    return_proposal,
    submit_assessment,
    submit_assessments,
    submit_in_change,
    withdraw_proposal,
)
from .week import assess_cells, note_week_visit, reconfirm_cells

__all__ = [
    "ImportRefused",
    "NotVisible",
    "Recording",
    "StaleVersion",
    "apply_import",
    "approve_proposal",
    "assess_cells",
    "attach_evidence",
    "create_evidence",
    "create_evidence_in_change",
    "create_missing_cells",
    "delete_reference",
    "grant",
    "password_link",
    "set_password",
    "default_token_days",
    "issue_token",
    "needs_review",
    "note_week_visit",
    "preview_import",
    "reconfirm_cells",
    "record_assessment",
    "record_assessments",
    "record_in_change",
    "record_with_evidence",
    "remark_evidence",
    "reply_to_assessment",
    "repropose",
    "retract_assessment",
    "retract_evidence",
    "retract_reply",
    "return_proposal",
    "revoke_token",
    "save_reference",
    "save_source",
    "save_source_in_change",
    "submit_assessment",
    "submit_assessments",
    "submit_in_change",
    "system_actor",
    "withdraw_proposal",
]
