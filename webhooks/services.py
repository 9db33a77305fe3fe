"""Webhooks: register, change, enable/disable, delete — each one audited
transaction (the audit keeps no secret: ``delivery.snapshot``)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.access import viewer_for
from measures.audit.revisions import bump_version, change
from measures.choices import Action
from measures.models import ChangeRecord
from measures.services.checks import NotVisible, locked

from . import targets
from .delivery import snapshot
from .filters import KINDS
from .models import Webhook

FOLLOWS = ("countries", "measures", "initiatives")


def _check(actor, owner, url=None, kinds=None, initiatives=()):
    """Refuse what no hook of ``owner``'s may hold, asked by ``actor`` (the
    owner, or an administrator acting for them)."""
    if not viewer_for(actor).can_read:
        raise PermissionDenied(_("Your account may not read the change feed."))
    errors = {}
    if url is not None:
        try:
            targets.check(url)
        except targets.Refused as exc:
            errors["url"] = str(exc)
    unknown = sorted(set(kinds or ()) - KINDS)
    if unknown:
        errors["kinds"] = _("Unknown kind(s) of change: %(kinds)s.") % {"kinds": ", ".join(unknown)}
    # The filter is the owner's: deliveries are computed for the owner, who
    # reads the hook back, so an initiative hidden from them may not be named.
    hidden = sorted(
        i.slug
        for i in initiatives
        if i.marking and not viewer_for(owner).may_see_marking(i.marking)
    )
    if hidden and owner.pk == actor.pk:
        # Worded as for a slug that does not exist: the two must read the same.
        errors["initiatives"] = _("Unknown initiative(s): %(s)s.") % {"s": ", ".join(hidden)}
    elif hidden:
        errors["initiatives"] = _("%(user)s may not see initiative(s): %(s)s.") % {
            "user": owner.get_username(),
            "s": ", ".join(hidden),
        }
    if errors:
        raise ValidationError(errors)


def _check_owner(actor, owner):
    """Only an administrator registers a hook for another account (a service
    account, say), and only for an active one (every active account reads
    the feed, at its own clearance)."""
    if owner.pk == actor.pk:
        return
    if not viewer_for(actor).is_admin:
        raise PermissionDenied(_("Only an administrator registers a webhook for another account."))
    if not owner.is_active:
        raise ValidationError({"owner": _("User %(user)s is deactivated.") % {"user": owner}})


def _save(current, hook, before, follows, action):
    hook.full_clean(exclude=["owner"])
    hook.save()
    for name, values in follows.items():
        if values is not None:
            getattr(hook, name).set(values)
    current.record(hook, action, before, snapshot(hook))
    return hook


def create_webhook(actor, *, url, owner=None, description="", kinds=(), language=None, **follows):
    """A hook pushing ``owner``'s feed (by default ``actor``'s) from now on
    (not its past), registered by ``actor``: the owner, or an administrator
    for another account. What it carries is computed for the owner at
    delivery time; its mail is in ``language`` (the caller's, by default the
    site's). The secret is on the returned object: the caller shows it
    once."""
    owner = owner or actor
    _check_owner(actor, owner)
    _check(actor, owner, url, kinds, follows.get("initiatives") or ())
    with change(actor, _("Webhook created")) as current:
        # Each hook costs a wake-up per write: a bounded number per account.
        most = settings.CBM_WEBHOOK_MAX_PER_USER
        if Webhook.objects.filter(owner=owner).count() >= most:
            message = (
                _("You have %(n)s webhooks already: delete one first.") % {"n": most}
                if owner.pk == actor.pk
                else _("%(user)s has %(n)s webhooks already: delete one first.")
                % {"user": owner, "n": most}
            )
            raise ValidationError({"non_field_errors": message})
        # Any record positions a cursor; the newest of all is "now" for
        # everybody and is never shown (it is internal, like the revision).
        latest = ChangeRecord.objects.order_by("-revision", "-id").first()
        hook = Webhook(
            owner=owner,
            url=url,
            description=description,
            kinds=list(kinds),
            language=language or settings.LANGUAGE_CODE,
        )
        if latest is not None:
            hook.cursor_revision, hook.cursor_record = latest.revision, latest.pk
        return _save(current, hook, None, {n: follows.get(n) for n in FOLLOWS}, Action.CREATE)


def _own(actor, hook_pk):
    hook = locked(Webhook, hook_pk)
    if hook.owner_id != actor.pk and not viewer_for(actor).is_admin:
        raise NotVisible(_("No such webhook."))
    return hook


def update_webhook(actor, hook, *, expected_version, **changes):
    """Change where it goes, what it keeps, its mail's language, or whether
    it is active. Enabling again starts afresh (no failures, no backoff)
    after the last record the receiver acknowledged: nothing recorded
    meanwhile is lost."""
    follows = {n: changes.pop(n, None) for n in FOLLOWS}
    _check(
        actor, hook.owner, changes.get("url"), changes.get("kinds"), follows["initiatives"] or ()
    )
    with change(actor, _("Webhook changed")) as current:
        hook = _own(actor, hook.pk)
        before = snapshot(hook)
        bump_version(hook, expected_version)
        active = changes.pop("active", None)
        for name, value in changes.items():
            setattr(hook, name, list(value) if name == "kinds" else value)
        if active is True and not hook.active:
            hook.active, hook.disabled_at, hook.disabled_reason = True, None, ""
            hook.consecutive_failures, hook.next_attempt_at = 0, None
        elif active is False and hook.active:
            hook.active, hook.disabled_at = False, timezone.now()
            hook.disabled_reason = _("Disabled by %(user)s.") % {"user": actor.get_username()}
        return _save(current, hook, before, follows, Action.UPDATE)


def delete_webhook(actor, hook):
    """Gone, with its delivery log."""
    with change(actor, _("Webhook deleted")) as current:
        hook = _own(actor, hook.pk)
        current.record(hook, Action.DELETE, snapshot(hook), None)
        hook.delete()
