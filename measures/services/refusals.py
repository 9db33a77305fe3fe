"""A service's refusal, as every interface shows it — the one mapping.

The services refuse with four exceptions (see the package docstring).
``refusal_of`` turns one into what a person or a client is told: each
message on the field it names (or on the whole request) and the HTTP status.
Forms, the admin, the pages and the API render a ``Refusal``; none of them
words a refusal or picks its status.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ..audit.revisions import StaleVersion
from .checks import NotVisible

# What a service may raise; anything else is a bug and stays a 500.
REFUSALS = (ValidationError, PermissionDenied, NotVisible, StaleVersion)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    # (field name, or None for the request as a whole; message), in order.
    errors: tuple

    @property
    def messages(self):
        return [message for _field, message in self.errors]

    def by_field(self):
        """{field or NON_FIELD_ERRORS: [messages]}, as Django and DRF show errors."""
        fields = {}
        for field, message in self.errors:
            fields.setdefault(field or NON_FIELD_ERRORS, []).append(message)
        return fields


def stale_message(exc):
    return _(
        "Someone changed this since you opened it (%(object)s: you read version %(expected)s; "
        "it is now at version %(current)s). Nothing was saved: check the current state, then "
        "try again."
    ) % {"object": exc.obj, "expected": exc.expected, "current": exc.current}


def refusal_of(exc, *, precondition=False):
    """The Refusal for a service exception.

    ``precondition``: the API, where a write is conditional on the version
    the client read (``If-Match``, or ``expected_version`` in a POST body),
    so a stale one is 412 Precondition Failed (RFC 9110 §13.1.1); on a
    page's form it is 409 Conflict, the form shown again with the fresh state.
    """
    if isinstance(exc, StaleVersion):
        code = "precondition_failed" if precondition else "conflict"
        return Refusal(412 if precondition else 409, code, ((None, stale_message(exc)),))
    if isinstance(exc, NotVisible):
        return Refusal(404, "not_found", ((None, str(exc) or _("Not found.")),))
    if isinstance(exc, PermissionDenied):
        message = str(exc) or _("You are not allowed to do this. Nothing was saved.")
        return Refusal(403, "permission_denied", ((None, message),))
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        errors = tuple(
            (None if field == NON_FIELD_ERRORS else field, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        )
        return Refusal(400, "invalid", errors)
    if isinstance(exc, ValidationError):
        return Refusal(400, "invalid", tuple((None, message) for message in exc.messages))
    raise TypeError(f"not a service refusal: {exc!r}")


def add_to_form(form, exc, aliases=None, parts=()):
    """Show a refusal on a Django form (a page's or the admin's) and return it:
    each message on the field it names when the form shows that field
    (``aliases`` maps a service's field name to the form's), otherwise at
    the top of the form, naming the field.

    ``parts``: bound forms shown with ``form``, each with its own ``prefix``;
    a field named ``<prefix>-<name>`` (how services name the fields of a
    part of a write, e.g. ``new_evidence-marking``) goes to that part."""
    refusal = refusal_of(exc)
    by_prefix = {part.prefix: part for part in parts if part.prefix and part.is_bound}
    for field, message in refusal.errors:
        target, name = form, (aliases or {}).get(field, field)
        prefix, _dash, rest = (field or "").partition("-")
        if rest and prefix in by_prefix:
            target, name = by_prefix[prefix], (None if rest == NON_FIELD_ERRORS else rest)
        _show(target, name, message)
    return refusal


def _show(form, field, message):
    if field and field in form.fields and not form.fields[field].widget.is_hidden:
        form.add_error(field, message)
    elif field:
        form.add_error(None, f"{field}: {message}")
    else:
        form.add_error(None, message)
