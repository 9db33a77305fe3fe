"""Digest subscriptions: subscribe, confirm, change, unsubscribe."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.access import viewer_for
from measures.audit.revisions import advance_version, bump_version, change, snapshot
from measures.choices import Action
from measures.services.accounts import system_actor
from measures.services.checks import NotVisible, locked

from .models import Subscription
from .tasks import send_subscription_confirmation

# --- subscriptions ---------------------------------------------------------


def _check_follows(actor, countries, measures, initiatives):
    hidden = [
        i.slug
        for i in initiatives
        if i.marking and not viewer_for(actor).may_see_marking(i.marking)
    ]
    if hidden:
        raise ValidationError(
            {"initiatives": _("Unknown initiative(s): %(s)s.") % {"s": ", ".join(hidden)}}
        )


def _save_subscription(current, subscription, before, follows, action):
    subscription.full_clean()
    subscription.save()
    for name, values in follows.items():
        if values is not None:
            getattr(subscription, name).set(values)
    current.record(subscription, action, before, snapshot(subscription))
    return subscription


def subscribe(actor, *, countries=(), measures=(), initiatives=(), language="en"):
    """A user's weekly digest (none followed = everything), to their own address."""
    if not actor.is_authenticated or not actor.email:
        raise ValidationError({"email": _("Your account has no e-mail address to send to.")})
    _check_follows(actor, countries, measures, initiatives)
    with change(actor, _("Subscribed")) as current:
        if Subscription.objects.filter(user=actor, unsubscribed_at__isnull=True).exists():
            raise ValidationError(
                {"non_field_errors": _("You already have a subscription: change it instead.")}
            )
        follows = {"countries": countries, "measures": measures, "initiatives": initiatives}
        return _save_subscription(
            current, Subscription(user=actor, language=language), None, follows, Action.CREATE
        )


def subscribe_address(email, *, countries=(), measures=(), initiatives=(), language="en"):
    """A bare address: sent a confirmation link first; reads as an anonymous visitor."""
    if not settings.CBM_PUBLIC_READ:
        raise ValidationError(
            {"email": _("Subscriptions without an account need public reading to be on.")}
        )
    actor = system_actor()
    _check_follows(None, countries, measures, initiatives)
    with change(actor, _("Address subscribed")) as current:
        follows = {"countries": countries, "measures": measures, "initiatives": initiatives}
        subscription = _save_subscription(
            current, Subscription(email=email, language=language), None, follows, Action.CREATE
        )
        send_subscription_confirmation.delay_on_commit(subscription.pk)
        return subscription


def update_subscription(actor, subscription, *, expected_version, **changes):
    """Change what a subscription follows, its language or whether it is paused."""
    follows = {k: changes.pop(k, None) for k in ("countries", "measures", "initiatives")}
    _check_follows(
        actor, follows["countries"] or (), follows["measures"] or (), follows["initiatives"] or ()
    )
    with change(actor, _("Subscription changed")) as current:
        subscription = locked(Subscription, subscription.pk)
        if subscription.user_id != actor.pk and not viewer_for(actor).is_admin:
            raise NotVisible(_("No such subscription."))
        before = snapshot(subscription)
        bump_version(subscription, expected_version)
        for name, value in changes.items():
            setattr(subscription, name, value)
        return _save_subscription(current, subscription, before, follows, Action.UPDATE)


def confirm_subscription(subscription):
    with change(system_actor(), _("Address confirmed")) as current:
        subscription = locked(Subscription, subscription.pk)
        if subscription.confirmed_at is None:
            before = snapshot(subscription)
            subscription.confirmed_at = timezone.now()
            advance_version(subscription)
            _save_subscription(current, subscription, before, {}, Action.UPDATE)
        return subscription


def unsubscribe(subscription, actor=None):
    """Stop the digest (idempotent): by its owner, or by a signed link (no login)."""
    actor = actor or system_actor()
    with change(actor, _("Unsubscribed")) as current:
        subscription = locked(Subscription, subscription.pk)
        if subscription.unsubscribed_at is None:
            before = snapshot(subscription)
            subscription.unsubscribed_at = timezone.now()
            advance_version(subscription)
            _save_subscription(current, subscription, before, {}, Action.UPDATE)
        return subscription
