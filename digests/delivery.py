"""The weekly digest: who gets one, and delivery without loss (what it says:
``content``).

Delivery (DESIGN.md §7): each (subscription, ISO week) has one DigestDelivery
row. A chunk of rows is *claimed* with one conditional UPDATE (pending, or
sending with an expired lease → sending, with a fresh lease and a claim
token), so two workers never claim the same row, on SQLite as on
PostgreSQL. Each mail is marked sent right after the SMTP server accepts it;
a worker that dies in between leaves the row "sending" until its lease
expires, and the next run sends it again — the one duplicate this design
allows, and the deterministic Message-ID lets mail clients fold it.

Building a chunk's digests takes a fixed number of queries whatever the
chunk size (Zulip's zerver/lib/digest.py habit): every row the chunk could
mention is read once, and each subscriber's view of it is cut in Python by
the same rule as everywhere else (``Viewer.may_see_marking``).
"""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone, translation

from measures.access import viewer_for, viewers_for

from . import mails, signed_links
from .content import digest_context, read_period
from .models import DigestDelivery, DigestRun, Subscription
from .periods import parse_period

log = logging.getLogger("cbm.digests")
State = DigestDelivery.State


# --- who gets one -----------------------------------------------------------


def eligible_subscriptions():
    """Active, unpaused; an active user with an address, or a confirmed address."""
    return Subscription.objects.filter(unsubscribed_at__isnull=True, paused=False).filter(
        Q(user__is_active=True) & ~Q(user__email="")
        | Q(user__isnull=True, confirmed_at__isnull=False)
    )


def plan(period):
    """Create the period's missing deliveries; return the ids still to send.

    Rows out of attempts are marked failed here, so they stop coming back.
    """
    parse_period(period)
    existing = DigestDelivery.objects.filter(period=period).values("subscription_id")
    DigestDelivery.objects.bulk_create(
        [
            DigestDelivery(subscription_id=pk, period=period)
            for pk in eligible_subscriptions().exclude(pk__in=existing).values_list("pk", flat=True)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    now = timezone.now()
    open_rows = DigestDelivery.objects.filter(period=period).filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lt=now)
    )
    open_rows.filter(attempts__gte=settings.CBM_DIGEST_MAX_ATTEMPTS).update(
        state=State.FAILED, claim="", last_error="Too many attempts."
    )
    return list(open_rows.order_by("pk").values_list("pk", flat=True))


def chunked(ids, size=None):
    size = size or settings.CBM_DIGEST_CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def claim(ids):
    """Take the rows nobody holds; returns (token, claimed ids)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    DigestDelivery.objects.filter(pk__in=ids, attempts__lt=settings.CBM_DIGEST_MAX_ATTEMPTS).filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lt=now)
    ).update(
        state=State.SENDING,
        claim=token,
        lease_expires_at=now + datetime.timedelta(seconds=settings.CBM_DIGEST_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    claimed = DigestDelivery.objects.filter(claim=token, state=State.SENDING)
    return token, list(claimed.order_by("pk").values_list("pk", flat=True))


def _finish(pk, token, state, **fields):
    """Close a delivery we hold; a conditional UPDATE, committed at once."""
    return DigestDelivery.objects.filter(pk=pk, claim=token, state=State.SENDING).update(
        state=state, lease_expires_at=None, **fields
    )


def build_messages(deliveries, period):
    """(delivery, message or None) for a chunk, in a fixed number of queries.

    Subscribers who see the same markings, follow the same things and read
    the same language get the same digest: it is rendered once for them all
    (template rendering is most of a digest's cost).
    """
    subscriptions = {d.subscription_id: d.subscription for d in deliveries}
    users = [s.user for s in subscriptions.values() if s.user_id]
    viewers = viewers_for(users)
    initiative_ids = {i.pk for s in subscriptions.values() for i in s.initiatives.all()}
    data = read_period(period, initiative_ids)
    digests = {}
    results = []
    for delivery in deliveries:
        sub = delivery.subscription
        viewer = viewers[sub.user_id] if sub.user_id else viewer_for(None)
        audience = (viewer.key, _follows(sub), sub.language)
        if audience not in digests:
            with translation.override(sub.language):
                context = digest_context(sub, viewer, data, sub.language)
                digests[audience] = context and mails.Digest(period, context)
        digest = digests[audience]
        message = digest and digest.message(sub, signed_links.make(sub, signed_links.UNSUBSCRIBE))
        results.append((delivery, message))
    return results


def _follows(subscription):
    return tuple(
        frozenset(o.pk for o in rel.all())  # prefetched by _load()
        for rel in (subscription.countries, subscription.measures, subscription.initiatives)
    )


def _load(ids):
    return list(
        DigestDelivery.objects.filter(pk__in=ids)
        .select_related("subscription__user")
        .prefetch_related(
            "subscription__countries", "subscription__measures", "subscription__initiatives"
        )
        .order_by("pk")
    )


# --- sending ----------------------------------------------------------------


@dataclass
class ChunkResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def send_chunk(ids, period, run_id=None):
    """Claim, build and send one chunk over one SMTP connection.

    On an SMTP error the unsent rows are released for the retry and the
    error propagates (the Celery task retries with backoff).
    """
    token, claimed = claim(ids)
    result = ChunkResult()
    if not claimed:
        return result
    messages = build_messages(_load(claimed), period)
    # Opened at the first mail, so that a chunk with nothing to send costs no
    # connection; then one connection for the chunk.
    connection = get_connection()
    remaining = {d.pk for d, _ in messages}
    opened = False
    try:
        for delivery, message in messages:
            if message is None:
                result.skipped += _finish(delivery.pk, token, State.SKIPPED)
            else:
                if not opened:
                    connection.open()
                    opened = True
                connection.send_messages([message])
                result.sent += _finish(
                    delivery.pk,
                    token,
                    State.SENT,
                    sent_at=timezone.now(),
                    message_id=message.extra_headers["Message-ID"],
                )
            remaining.discard(delivery.pk)
    except Exception as exc:
        DigestDelivery.objects.filter(pk__in=remaining, claim=token, state=State.SENDING).update(
            state=State.PENDING, claim="", lease_expires_at=None, last_error=str(exc)[:2000]
        )
        result.failed = len(remaining)
        raise
    finally:
        connection.close()
        if run_id is not None:
            DigestRun.objects.filter(pk=run_id).update(
                chunks_done=F("chunks_done") + 1,
                sent=F("sent") + result.sent,
                skipped=F("skipped") + result.skipped,
                failed=F("failed") + result.failed,
            )
        log.info(
            "digest chunk",
            extra={
                "period": period,
                "claimed": len(claimed),
                "sent": result.sent,
                "skipped": result.skipped,
                "failed": result.failed,
                "run": run_id,
            },
        )
    return result


def start_run(period):
    """Plan the period and record the run; returns (run, chunks of delivery ids)."""
    chunks = chunked(plan(period))
    run = DigestRun.objects.create(period=period, chunks_total=len(chunks))
    return run, chunks


def finish_run(run):
    DigestRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())


def preview(period):
    """For --dry-run: (recipient, context or None) per eligible subscription,
    without creating or claiming any delivery."""
    subs = list(
        eligible_subscriptions()
        .select_related("user")
        .prefetch_related("countries", "measures", "initiatives")
    )
    deliveries = [DigestDelivery(subscription=s, period=period) for s in subs]
    viewers = viewers_for([s.user for s in subs if s.user_id])
    data = read_period(period, {i.pk for s in subs for i in s.initiatives.all()})
    return [
        (
            d.subscription.recipient,
            digest_context(
                d.subscription,
                viewers[d.subscription.user_id] if d.subscription.user_id else viewer_for(None),
                data,
                d.subscription.language,
            ),
        )
        for d in deliveries
    ]
