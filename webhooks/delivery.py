"""Pushing a webhook's records: claim the hook, read its owner's feed after
the cursor *as the owner may see it now*, keep what the filter wants, POST
it signed, and move the cursor only once the receiver answered 2xx.

At least once: a worker killed after the receiver took a body but before
the cursor moved leaves the hook claimed until its lease expires; the next
run sends the same records again (receivers dedupe by record id). Two
workers never push one hook at once (the claim is one conditional UPDATE,
as for digests/leases.py). Failures back off exponentially; after
``CBM_WEBHOOK_MAX_FAILURES`` in a row the hook is disabled and its owner
told by mail.
"""

import datetime
import http.client
import json
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from measures.audit import disclosures
from measures.audit.revisions import advance_version, change
from measures.choices import Action
from measures.models import Channel
from measures.reads import changes
from measures.services.accounts import system_actor

from . import mails, signing, targets
from .filters import Filter
from .models import Delivery, Webhook

log = logging.getLogger("cbm.webhooks")
# Pages pushed by one task at most; a task that stops with more to send
# queues the next (other hooks get their turn in between).
PAGES_PER_RUN = 10
RESPONSE_BYTES = 64 * 1024  # read of a receiver's answer, then ignored


@dataclass
class Outcome:
    delivered: int = 0  # records the receiver acknowledged
    more: bool = False  # a full page remains: run again
    retry_in: int | None = None  # seconds until the next attempt after a failure
    busy: bool = False  # someone else holds the hook, or it is not due


@dataclass
class Answer:
    status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300


def due_hook_ids():
    """Hooks worth a wake-up: active, with an active owner (a deactivated
    owner's hooks stop)."""
    return list(
        Webhook.objects.filter(active=True, owner__is_active=True).values_list("pk", flat=True)
    )


def claim(hook_id, now=None):
    """Take the hook if nobody holds it and it is due; the token, or None."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    taken = (
        Webhook.objects.filter(pk=hook_id, active=True, owner__is_active=True)
        .filter(Q(claim="") | Q(lease_expires_at__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            claim=token,
            lease_expires_at=now + datetime.timedelta(seconds=settings.CBM_WEBHOOK_LEASE_SECONDS),
        )
    )
    return token if taken else None


def _held(hook, token):
    return Webhook.objects.filter(pk=hook.pk, claim=token)


def body_for_owner(hook, page):
    """The JSON body for one page of the owner's feed: the records the
    owner may see, kept by the filter, with public handles only; and the
    ids it carries. None when the filter keeps nothing. Everything a
    receiver is given passes here (the disclosure ledger's place)."""
    records = Filter.of(hook).keep(changes.feed_records(page, hook.owner))
    if not records:
        return None, []
    # Recorded before it is sent; if the ledger cannot be written this raises
    # and nothing is sent (the hook is tried again later).
    kept = {r["id"] for r in records}
    disclosures.record_release(
        hook.owner,
        Channel.WEBHOOK,
        changes.released([r for r in page if str(r.public_id) in kept]),
        what=hook.url,
    )
    body = {"webhook": str(hook.public_id), "records": records, "next": str(page[-1].public_id)}
    return json.dumps(body, cls=DjangoJSONEncoder).encode(), [r["id"] for r in records]


def post(url, body, secret):
    """One signed POST; redirects are answers, not followed (a 3xx fails)."""
    started = time.monotonic()
    status, error = None, ""
    try:
        target = targets.check(url)
        connection = targets.connection(target, settings.CBM_WEBHOOK_CONNECT_TIMEOUT)
        try:
            connection.connect()
            connection.sock.settimeout(settings.CBM_WEBHOOK_READ_TIMEOUT)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "CBM-Tracker-Webhooks/1",
                **signing.headers(secret, body),
            }
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(RESPONSE_BYTES)
            status = response.status
        finally:
            connection.close()
    except targets.Refused as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__
    duration = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = _("The receiver answered %(status)s.") % {"status": status}
    return Answer(status, error, duration)


def deliver(hook_id):
    """Push what the hook's owner may see after its cursor, a page at a time."""
    token = claim(hook_id)
    if token is None:
        return Outcome(busy=True)
    outcome = Outcome()
    try:
        hook = Webhook.objects.select_related("owner").get(pk=hook_id)
        for _page in range(PAGES_PER_RUN):
            page = changes.feed_records_after(hook.owner, hook.cursor, settings.CBM_WEBHOOK_BATCH)
            if not page:
                return outcome
            body, ids = body_for_owner(hook, page)
            if body is not None:
                # The error is the owner's to read (the log, the reason it
                # was disabled, the mail): in the hook's language.
                with translation.override(hook.language):
                    answer = post(hook.url, body, hook.secret)
                if not answer.ok:
                    outcome.retry_in = failed(hook, token, ids, answer)
                    return outcome
                _log(hook, ids, answer)
                outcome.delivered += len(ids)
            moved = Webhook.cursor_at(page[-1])
            if not _held(hook, token).update(**moved, consecutive_failures=0, next_attempt_at=None):
                return outcome  # our lease ran out and someone else took over
            hook.cursor_revision, hook.cursor_record = page[-1].revision, page[-1].pk
            hook.consecutive_failures = 0
            if len(page) < settings.CBM_WEBHOOK_BATCH:
                return outcome
        outcome.more = True
        return outcome
    finally:
        _held(Webhook(pk=hook_id), token).update(claim="", lease_expires_at=None)


def ping(hook):
    """One signed POST with no records, now, to check a receiver; logged,
    and changing neither the cursor nor the failure count."""
    body = json.dumps({"webhook": str(hook.public_id), "records": [], "next": None}).encode()
    answer = post(hook.url, body, hook.secret)
    return Delivery.objects.create(
        webhook=hook,
        attempt=1,
        status_code=answer.status,
        error=answer.error[:300],
        duration_ms=answer.duration_ms,
        record_ids=[],
    )


def backoff(failures):
    """Seconds before try ``failures + 1``: doubling from the base, capped."""
    base, cap = settings.CBM_WEBHOOK_BACKOFF_SECONDS, settings.CBM_WEBHOOK_BACKOFF_MAX
    return min(base * 2 ** max(failures - 1, 0), cap)


def failed(hook, token, ids, answer):
    """Record a failed POST; disable the hook after too many in a row.
    Returns the seconds until the next try, or None once disabled."""
    failures = hook.consecutive_failures + 1
    if failures >= settings.CBM_WEBHOOK_MAX_FAILURES:
        _log(hook, ids, answer, attempt=failures)
        disable(hook, answer.error, failures)
        return None
    delay = backoff(failures)
    retry_at = timezone.now() + datetime.timedelta(seconds=delay)
    _log(hook, ids, answer, attempt=failures, next_retry_at=retry_at)
    _held(hook, token).update(consecutive_failures=failures, next_attempt_at=retry_at)
    return delay


def _log(hook, ids, answer, attempt=None, next_retry_at=None):
    Delivery.objects.create(
        webhook=hook,
        attempt=attempt or hook.consecutive_failures + 1,
        status_code=answer.status,
        error=answer.error[:300],
        duration_ms=answer.duration_ms,
        record_ids=ids,
        next_retry_at=next_retry_at,
    )
    log.info(
        "webhook delivery",
        extra={"webhook": str(hook.public_id), "records": len(ids), "status": answer.status},
    )


def disable(hook, reason, failures):
    """Stop the hook (audited, as the system) and tell its owner by mail."""
    with change(system_actor(), _("Webhook disabled after failed deliveries")) as current:
        hook = Webhook.objects.select_for_update().select_related("owner").get(pk=hook.pk)
        before = snapshot(hook)
        hook.active = False
        hook.disabled_at = timezone.now()
        hook.disabled_reason = reason[:300]
        hook.consecutive_failures = failures
        hook.next_attempt_at = None
        advance_version(hook)
        hook.save()
        current.record(hook, Action.UPDATE, before, snapshot(hook))
        if hook.owner.email:
            message = mails.disabled(hook)
            transaction.on_commit(lambda: _send(message, hook))
    return hook


def _send(message, hook):
    # The hook is disabled either way; a mail server down must not undo
    # that, and the admin's list shows every disabled hook and why.
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        log.exception("webhook disabled mail", extra={"webhook": str(hook.public_id)})


def snapshot(hook):
    """The audit's picture of a hook: never its secret, nor the delivery state."""
    return {
        "public_id": str(hook.public_id),
        "owner_id": hook.owner_id,
        "url": hook.url,
        "description": hook.description,
        "kinds": list(hook.kinds),
        "language": hook.language,
        "active": hook.active,
        "disabled_reason": hook.disabled_reason,
    }
