"""The weekly job end to end: Redis, a real Celery worker process, a real
SMTP server, and a worker killed in the middle of a chunk.

What beat does is send the task by name through the broker; these tests do
exactly that (``send_task``) instead of waiting for Monday 06:00.
"""

import datetime
import json
import time
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from digests import services as digest_services
from digests.models import DigestDelivery, DigestRun
from tests.brokers import (
    PROCESS_MARKS,
    Worker,
    broker_url,
    celery_through,
    kill_mid_run,
    send_weekly_job,
    wait_for,
)
from tests.factories import EvidenceFactory, assess, cell_at, make_user
from tests.smtp import SMTPServer

pytestmark = PROCESS_MARKS

PERIOD = "2025-W11"
IN_PERIOD = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC)
BROKER = broker_url(14)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def broker():
    with celery_through(BROKER):
        yield


def weekly_job():
    send_weekly_job(BROKER, PERIOD)


def subscribers(n, users):
    with time_machine.travel(IN_PERIOD, tick=False):
        cell = cell_at(11, "MA")
        assess(
            users.editor,
            cell,
            "under_discussion",
            datetime.date(2025, 3, 10),
            evidence=[EvidenceFactory(cells=[cell])],
        )

    return [
        digest_services.subscribe(make_user(f"w{i}", role="reader", clearance="public"))
        for i in range(n)
    ]


def all_sent(n):
    return lambda: DigestDelivery.objects.filter(period=PERIOD, state="sent").count() == n


def test_the_weekly_job_through_a_real_worker_sends_each_subscriber_one_digest(users, broker):
    subs = subscribers(6, users)
    with SMTPServer() as smtp:
        worker = Worker(smtp, BROKER, CBM_DIGEST_CHUNK_SIZE=4).start()
        try:
            weekly_job()
            wait_for(all_sent(len(subs)), what="every delivery sent")
            assert sorted(smtp.sink.recipients()) == sorted(s.recipient for s in subs)
            weekly_job()  # the same week again: nothing new
            wait_for(
                lambda: DigestRun.objects.filter(period=PERIOD, chunks_total=0).exists(),
                what="the second run",
            )
            time.sleep(1)
            assert len(smtp.sink.messages) == len(subs)
        finally:
            worker.kill()


def test_a_worker_killed_mid_chunk_loses_no_subscriber(users, broker):
    n, lease = 24, 3
    subs = subscribers(n, users)
    with SMTPServer(delay=0.25) as smtp:
        env = {"CBM_DIGEST_CHUNK_SIZE": 5, "CBM_DIGEST_LEASE_SECONDS": lease}
        killed_at = kill_mid_run(
            smtp, BROKER, env, run=weekly_job, done=all_sent(n), lease=lease,
            what="every delivery sent after the kill",
        )  # fmt: skip
    received = Counter(smtp.sink.recipients())
    duplicates = sum(count - 1 for count in received.values())
    assert set(received) == {s.recipient for s in subs}, "a subscriber got no mail"
    assert DigestDelivery.objects.filter(period=PERIOD).count() == n
    # Only a mail the SMTP server had taken when the worker died can come twice.
    assert duplicates <= 1
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "digest-worker-kill.json").write_text(
        json.dumps(
            {
                "subscribers": n,
                "mails_before_kill": killed_at,
                "mails_total": sum(received.values()),
                "duplicates": duplicates,
            }
        )
    )
