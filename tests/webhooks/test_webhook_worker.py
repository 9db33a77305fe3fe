"""Webhooks through Redis and a real Celery worker process, killed with
SIGKILL while a slow receiver holds its POST: a second worker delivers
the rest once the dead one's claim on the hook expires, the receiver ends
up with every record, and the cursor is where it should be."""

import datetime
import json
import time
from collections import Counter
from pathlib import Path

from django.conf import settings

from measures.models import ChangeRecord
from measures.reads import changes
from tests.brokers import PROCESS_MARKS, Worker, broker_url, celery_through, send_task, wait_for
from tests.factories import assess, cell_at
from tests.smtp import SMTPServer
from tests.webhooks.receiver import Receiver
from webhooks import services as hooks
from webhooks.models import Webhook

pytestmark = PROCESS_MARKS

BROKER = broker_url(6)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
BATCH, LEASE = 2, 3
CELLS = [(11, "MA"), (11, "DZ"), (12, "DZ"), (12, "MA"), (12, "TN"), (6, "MA"), (17, "DZ")]


def test_a_worker_killed_mid_delivery_loses_no_record(users, review_off):
    start = ChangeRecord.objects.order_by("-revision", "-id").first()
    for month, (number, country) in enumerate(CELLS, start=1):
        assess(users.admin, cell_at(number, country), "agreed", datetime.date(2020, month, 1))
    expected = [str(r.public_id) for r in changes.feed_records_after(users.reader, start, 1000)]
    assert len(expected) >= 3 * BATCH
    # Written (and the hook registered) while tasks run in this process:
    # sent from here, they would not reach this test's broker (the app's
    # producer pool is older). The hook then starts before those writes.
    with Receiver(delay=1.0) as receiver, SMTPServer() as smtp:
        hook = hooks.create_webhook(users.reader, url=receiver.url)
        Webhook.objects.filter(pk=hook.pk).update(**Webhook.cursor_at(start))
        assert not receiver.requests
        env = {
            "CBM_WEBHOOK_ALLOW_PRIVATE": "true",
            "CBM_WEBHOOK_BATCH": BATCH,
            "CBM_WEBHOOK_LEASE_SECONDS": LEASE,
            "CBM_WEBHOOK_READ_TIMEOUT": 5,
        }
        first, second = Worker(smtp, BROKER, **env), Worker(smtp, BROKER, **env)
        with celery_through(BROKER):
            killed_at = kill_and_resume(hook, receiver, first, second, expected[-1])

    received = Counter(r["id"] for r in receiver.records())
    assert set(received) == set(expected), "a record never reached the receiver"
    assert all(r.verified(hook.secret) for r in receiver.requests)
    # Only the batch the receiver held when the worker died may come twice.
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= BATCH
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "webhook-worker-kill.json").write_text(
        json.dumps(
            {
                "records": len(expected),
                "posts_before_kill": killed_at,
                "posts_total": len(receiver.requests),
                "duplicates": duplicates,
            }
        )
    )


def cursor_of(hook):
    hook = Webhook.objects.get(pk=hook.pk)
    return str(ChangeRecord.objects.get(pk=hook.cursor_record).public_id)


def kill_and_resume(hook, receiver, first, second, last):
    """Kill the first worker while the receiver holds its second POST; once
    its claim runs out, the second worker delivers the rest. Returns how
    many POSTs the receiver had when the first died."""
    try:
        first.start()
        send_task(BROKER, "webhooks.tasks.deliver_all")  # what a commit or beat sends
        wait_for(lambda: len(receiver.requests) >= 2, what="the second POST under way")
        first.kill()
        killed_at = len(receiver.requests)
        second.start()
        time.sleep(LEASE + 1)  # the dead worker's claim runs out
        send_task(BROKER, "webhooks.tasks.deliver_all")  # what beat's sweep sends
        wait_for(lambda: cursor_of(hook) == last, 120, "the cursor at the last record")
        time.sleep(1)
    finally:
        first.kill()
        second.kill()
    return killed_at
