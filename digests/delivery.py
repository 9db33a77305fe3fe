"""The weekly digest: who gets one, and delivery without loss (what it says:
``content``).

Delivery (DESIGN.md §7): each (subscription, ISO week) has one DigestDelivery
row, claimed, leased and closed by ``digests.leases`` (the rules the
reminders share): two workers never claim the same row, a worker killed
mid-chunk delays a digest but never loses it.

Building a chunk's digests takes a fixed number of queries whatever the
chunk size (Zulip's zerver/lib/digest.py habit): every row the chunk could
mention is read once, and each subscriber's view of it is cut in Python by
the same rule as everywhere else (``Viewer.may_see_marking``).
"""

import logging

from django.db.models import F, Q
from django.utils import timezone, translation

from measures.access import viewer_for, viewers_for
from measures.audit import disclosures
from measures.models import Channel

from . import mails, signed_links
from .content import digest_context, read_period
from .leases import ChunkResult, Leases
from .models import DigestDelivery, DigestRun, Subscription
from .periods import parse_period

log = logging.getLogger("cbm.digests")
State = DigestDelivery.State
LEASES = Leases(DigestDelivery, "CBM_DIGEST")


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
    LEASES.create(period, "subscription_id", eligible_subscriptions())
    return LEASES.still_open(period)


def chunked(ids, size=None):
    return LEASES.chunked(ids, size)


def claim(ids):
    """Take the rows nobody holds; returns (token, claimed ids)."""
    return LEASES.claim(ids)


def build_messages(deliveries, period):
    """(delivery, message or None) for a chunk, in a fixed number of queries.

    Subscribers who see the same markings, follow the same things and read
    the same language get the same digest: it is rendered once for them all
    (template rendering is most of a digest's cost).

    Each mail carrying marked rows is entered in the disclosure ledger here,
    before it is sent: a ledger that cannot be written fails the chunk (its
    leases expire and the next run retries), and a mail SMTP then refuses
    leaves an entry for a release that did not happen — over, never under.
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
            with translation.override(sub.language), disclosures.collecting() as rows:
                context = digest_context(sub, viewer, data, sub.language)
                digests[audience] = (context and mails.Digest(period, context), rows)
        digest, rows = digests[audience]
        message = digest and digest.message(sub, signed_links.make(sub, signed_links.UNSUBSCRIBE))
        if message and sub.user_id:
            what = f"digest {period} to {sub.recipient}"
            disclosures.record_release(sub.user, Channel.DIGEST, rows, what=what)
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
    try:
        LEASES.send(token, messages, result)
    finally:
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
