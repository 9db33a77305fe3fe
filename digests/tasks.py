"""Celery tasks: thin, they take ids and call digests/delivery.py."""

import smtplib

from celery import shared_task

from . import delivery, mails, periods, reminders, signed_links
from .models import Subscription


@shared_task(
    acks_late=True,
    # A chunk whose worker was killed goes back to the queue; the lease on
    # its rows decides whether anybody still holds them.
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_digest_chunk(delivery_ids, period, run_id=None):
    result = delivery.send_chunk(delivery_ids, period, run_id)
    return {"sent": result.sent, "skipped": result.skipped}


@shared_task
def send_weekly_digests(period=None):
    """What beat runs every week: plan the period, fan out chunks."""
    period = period or periods.last_complete_period()
    run, chunks = delivery.start_run(period)
    for chunk in chunks:
        send_digest_chunk.delay(chunk, period, run.pk)
    return {"period": period, "chunks": len(chunks)}


@shared_task(
    acks_late=True, autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, max_retries=5
)
def send_subscription_confirmation(subscription_id):
    subscription = Subscription.objects.filter(pk=subscription_id, user__isnull=True).first()
    if subscription is None or subscription.confirmed_at is not None:
        return
    mails.confirmation(subscription, signed_links.make(subscription, signed_links.CONFIRM)).send()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_reminder_chunk(delivery_ids, period):
    result = reminders.send_chunk(delivery_ids, period)
    return {"sent": result.sent, "skipped": result.skipped}


@shared_task
def send_reminders(period=None):
    """What beat runs every week: plan this week's reminders, fan out chunks."""
    period = period or periods.current_period()
    chunks = reminders.start(period)
    for chunk in chunks:
        send_reminder_chunk.delay(chunk, period)
    return {"period": period, "chunks": len(chunks)}
