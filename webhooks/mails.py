"""The one mail webhooks send: a hook was disabled. It names the hook's URL
and the reason, nothing of the records it carried (the mail may be read
by someone other than the owner, and the owner's clearance may have
changed since). It is written in the hook's language, whatever language
the worker sending it runs in."""

from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _


def disabled(hook):
    with translation.override(hook.language):
        subject = _("Your webhook was disabled: %(url)s") % {"url": hook.url}
        body = _(
            "Your webhook %(url)s was disabled after %(failures)s failed deliveries in a row.\n\n"
            "Reason: %(reason)s\n\n"
            "Nothing is lost: once you fix the receiver and enable the webhook again "
            '(PATCH /api/v1/webhooks/%(id)s/ with {"active": true}), it resumes after '
            "the last delivery your receiver acknowledged."
        ) % {
            "url": hook.url,
            "failures": hook.consecutive_failures,
            "reason": hook.disabled_reason,
            "id": hook.public_id,
        }
    return EmailMessage(subject, body, to=[hook.owner.email])
