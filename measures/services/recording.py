"""One-pass recording: a level for a cell, the new evidence it rests on and
the new source that evidence cites, written together or not at all."""

import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from ..audit.revisions import change
from ..models import Marking, Source
from .checks import as_marking
from .evidence import create_evidence_in_change
from .reference import save_source_in_change
from .review import submit_in_change

# The parts of a one-pass recording, as they name the fields of a refusal:
# ``new_evidence-marking`` is the marking of the new evidence, ``marking``
# the assessment's own (pages show each on the form part that holds it).
NEW_EVIDENCE = "new_evidence"
NEW_SOURCE = "new_source"


@dataclass(frozen=True)
class Recording:
    """What one pass wrote: the Assessment, or the Proposal it became under
    review, and the evidence and source it added (None when none)."""

    result: object
    evidence: object = None
    source: object = None


@contextmanager
def _part(prefix):
    """Name a refusal's fields after the part of the recording that caused it."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({f"{prefix}-{NON_FIELD_ERRORS}": exc.messages}) from exc
        raise ValidationError(
            {f"{prefix}-{field}": messages for field, messages in exc.message_dict.items()}
        ) from exc


def _new_source(actor, data):
    """An unsaved Source from the inline part. Its key is random, like the
    public ids: a key made from the title could collide with a source the
    actor may not see, and the refusal would tell them it exists."""
    published_on = data.get("published_on")
    return Source(
        key=f"s-{secrets.token_hex(8)}",
        title=data.get("title", ""),
        publisher=data.get("publisher", ""),
        published_on=published_on,
        published_precision=data.get("published_precision") or ("day" if published_on else ""),
        url=data.get("url", ""),
        language=data.get("language", ""),
        marking=as_marking(data.get("marking"), actor) or Marking.objects.public(),
    )


def record_with_evidence(
    actor, cell, *, assessment, new_evidence=None, new_source=None, message=""
):
    """Record a level for ``cell`` resting on the evidence it cites, plus one new
    item of evidence (linked to the cell and cited) from an existing source or
    from one new source — one transaction, one revision, all or nothing.

    ``assessment``: ``submit_in_change``'s arguments (``evidence``: the
    existing items cited). ``new_evidence``: ``create_evidence``'s, without
    ``cells``; its ``source`` is omitted when ``new_source`` is given.
    ``new_source``: title, publisher, published_on, url, language, marking.
    Refusals about the new parts name their fields ``new_evidence-<field>``
    and ``new_source-<field>``. Returns a ``Recording``.
    """
    assessment = dict(assessment)
    with change(actor, message or _("Assessment recorded")) as current:
        source = None
        if new_source is not None:
            if new_evidence is None:
                raise ValidationError(
                    {
                        f"{NEW_SOURCE}-title": _(
                            "A new source is added with the new evidence it supports: "
                            "describe that evidence too."
                        )
                    }
                )
            if new_evidence.get("source") is not None:
                raise ValidationError(
                    {
                        f"{NEW_EVIDENCE}-source": _(
                            "Choose an existing source or describe a new one, not both."
                        )
                    }
                )
            with _part(NEW_SOURCE):
                source = save_source_in_change(current, actor, _new_source(actor, new_source))
        item = None
        if new_evidence is not None:
            data = {**new_evidence, "source": source or new_evidence.get("source")}
            if data["source"] is None:
                raise ValidationError(
                    {f"{NEW_EVIDENCE}-source": _("Choose a source, or describe a new one.")}
                )
            with _part(NEW_EVIDENCE):
                item = create_evidence_in_change(current, actor, cells=[cell], **data)
            assessment["evidence"] = [*assessment.get("evidence", ()), item]
        result = submit_in_change(current, actor, cell, **assessment)
        return Recording(result, item, source)
