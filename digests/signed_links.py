"""Signed links in mails: unsubscribe (never expires) and confirm an address."""

from django.core import signing

from .models import Subscription

UNSUBSCRIBE = "cbm.subscription.unsubscribe"
CONFIRM = "cbm.subscription.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def make(subscription, purpose):
    return signing.dumps(subscription.pk, salt=purpose)


def subscription_for(token, purpose):
    """The subscription a signed link names, or None for a bad or stale link."""
    try:
        pk = signing.loads(
            token, salt=purpose, max_age=CONFIRM_MAX_AGE if purpose == CONFIRM else None
        )
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(pk=pk).first()
