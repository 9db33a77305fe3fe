"""Celery tasks: thin, they take ids and call webhooks/delivery.py."""

import logging

from celery import shared_task

from . import delivery

log = logging.getLogger("cbm.webhooks")


@shared_task(
    acks_late=True,
    # A delivery whose worker was killed goes back to the queue; the claim
    # on the hook (its lease) decides whether anybody still holds it.
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_webhook(hook_id):
    """One hook's pending records. The backoff lives on the hook row
    (``next_attempt_at``), not only in this task's countdown: a wake-up
    from a new write during the backoff finds the hook not due and leaves."""
    outcome = delivery.deliver(hook_id)
    if outcome.retry_in is not None:
        deliver_webhook.apply_async((hook_id,), countdown=outcome.retry_in)
    elif outcome.more:
        deliver_webhook.delay(hook_id)
    return {"delivered": outcome.delivered, "busy": outcome.busy}


@shared_task(ignore_result=True)
def deliver_all():
    """What beat runs every minute, and every committed write: a wake-up for
    each active hook (one that is not due or is held ignores it)."""
    ids = delivery.due_hook_ids()
    for hook_id in ids:
        deliver_webhook.delay(hook_id)
    return len(ids)


def revision_committed(sender, **kwargs):
    """The audit layer's signal, after each committed write. A failure here
    (the broker down) is logged and left to the sweep: the write stands."""
    try:
        deliver_all.delay()
    except Exception:
        log.exception("webhook wake-up after a write")
