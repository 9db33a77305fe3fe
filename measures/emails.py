"""Outgoing mail as a subject/text/html template trio (Healthchecks'
hc/lib/emails.py habit), rendered in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def _domain():
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "localhost"


def make_message(template, context, to, headers=None):
    subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
    text = render_to_string(f"emails/{template}-body.txt", context)
    html = render_to_string(f"emails/{template}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def digest(subscription, period, context, token):
    """The weekly digest. Its Message-ID is the same for the same subscriber
    and week, so a mail sent twice (a crash between SMTP and our commit)
    folds into one in mail clients."""
    site = settings.CBM_SITE_URL.rstrip("/")
    unsubscribe = site + reverse("subscription-unsubscribe", args=[token])
    return make_message(
        "digest",
        {**context, "period": period, "unsubscribe_url": unsubscribe, "site_url": site},
        subscription.recipient,
        headers={
            "Message-ID": f"<digest.{period}.{subscription.pk}@{_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail clients unsubscribe with one POST, no page visit.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def confirmation(subscription, token):
    site = settings.CBM_SITE_URL.rstrip("/")
    return make_message(
        "confirm",
        {"confirm_url": site + reverse("subscription-confirm", args=[token]), "site_url": site},
        subscription.email,
    )
