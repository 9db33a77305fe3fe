"""Outgoing mail as a subject/text/html template trio (Healthchecks'
hc/lib/emails.py habit), rendered in the recipient's language."""

import re
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _


def _domain():
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "localhost"


def make_message(template, context, to, headers=None):
    subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
    text = render_to_string(f"emails/{template}-body.txt", context)
    html = render_to_string(f"emails/{template}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


class Digest:
    """One digest, rendered once for everyone who gets the same text — the same
    visibility, follows and language (digests/delivery.py) — then addressed
    to each of them: only the recipient, the unsubscribe link and the
    Message-ID differ from one subscriber to the next."""

    def __init__(self, period, context):
        self.period = period
        self.site = settings.CBM_SITE_URL.rstrip("/")
        # Stands for the recipient's link while rendering; random, so that no
        # text a subscriber is sent can contain it by chance or on purpose.
        self.marker = f"cbm-unsubscribe-{uuid.uuid4().hex}"
        context = {
            **context,
            "period": period,
            "unsubscribe_url": self.marker,
            "site_url": self.site,
            "week_in_numbers": week_in_numbers(context["numbers"]),
        }
        self.subject = render_to_string("emails/digest-subject.txt", context).strip()
        # The text part is rendered with autoescaping off (the template says
        # so): a reader of plain text gets "Algeria's", never "Algeria&#x27;s".
        self.text = re.sub(r"\n{3,}", "\n\n", render_to_string("emails/digest-body.txt", context))
        self.html = render_to_string("emails/digest-body.html", context)

    def message(self, subscription, token):
        """The mail for one subscriber. Its Message-ID is the same for the same
        subscriber and week, so a mail sent twice (a crash between SMTP and
        our commit) folds into one in mail clients."""
        unsubscribe = self.site + reverse("subscription-unsubscribe", args=[token])
        message = EmailMultiAlternatives(
            self.subject,
            self.text.replace(self.marker, unsubscribe),
            to=[subscription.recipient],
            headers={
                "Message-ID": f"<digest.{self.period}.{subscription.pk}@{_domain()}>",
                "List-Unsubscribe": f"<{unsubscribe}>",
                # RFC 8058: mail clients unsubscribe with one POST, no page visit.
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(self.html.replace(self.marker, escape(unsubscribe)), "text/html")
        return message


def week_in_numbers(numbers):
    """The digest's first line, the same in both parts: (figure, label) pairs."""
    return [
        (numbers["changes"], _("level changes")),
        (numbers["down"], _("moved down")),
        (numbers["evidence"], _("new evidence")),
        (numbers["countries"], _("countries")),
    ]


def confirmation(subscription, token):
    site = settings.CBM_SITE_URL.rstrip("/")
    return make_message(
        "confirm",
        {"confirm_url": site + reverse("subscription-confirm", args=[token]), "site_url": site},
        subscription.email,
    )


def reminder(user, period, context):
    """A user's "due this week" reminder. Its Message-ID is the same for the
    same user and week, so a mail sent twice folds into one in mail clients."""
    return make_message(
        "reminder",
        context,
        user.email,
        headers={
            "Message-ID": f"<reminder.{period}.{user.pk}@{_domain()}>",
            # RFC 3834: a machine's mail, not to be answered by auto-replies.
            "Auto-Submitted": "auto-generated",
        },
    )
