"""The weekly reminders end to end: Redis, a real Celery worker process, a
real SMTP server, and a worker killed in the middle of a chunk.

What beat does is send ``digests.tasks.send_reminders`` by name through the
broker; these tests do exactly that instead of waiting for Monday 07:00.
"""

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from digests.models import ReminderDelivery
from tests.brokers import (
    PROCESS_MARKS,
    Worker,
    broker_url,
    celery_through,
    kill_mid_run,
    send_task,
    wait_for,
)
from tests.digests.reminder_weeks import PERIOD, due_in, editor, france
from tests.smtp import SMTPServer

pytestmark = PROCESS_MARKS

# Apart from the digest worker tests' (14, 13) and the others' (12, 10).
BROKER = broker_url(8)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def broker():
    with celery_through(BROKER):
        yield


def weekly_job():
    send_task(BROKER, "digests.tasks.send_reminders", period=PERIOD)


def editors_with_a_cell_overdue(n, users):
    """``n`` editors of France, each of whom will be reminded of one overdue cell."""
    due_in(users.admin, france()[0], -3)
    return [editor(f"w{i}") for i in range(n)]


def all_sent(recipients):
    return lambda: (
        ReminderDelivery.objects.filter(period=PERIOD, state="sent", user__in=recipients).count()
        == len(recipients)
    )


def reminded(smtp, recipients):
    return Counter(to for to in smtp.sink.recipients() if to in {u.email for u in recipients})


def test_a_real_worker_reminds_each_editor_once(users, broker):
    recipients = editors_with_a_cell_overdue(5, users)
    with SMTPServer() as smtp:
        worker = Worker(smtp, BROKER, CBM_REMINDER_CHUNK_SIZE=3).start()
        try:
            weekly_job()
            wait_for(all_sent(recipients), what="every reminder sent")
            weekly_job()  # the same week again: nothing new
            time.sleep(3)
        finally:
            worker.kill()
    assert reminded(smtp, recipients) == Counter({u.email: 1 for u in recipients})
    mail = next(m for m in smtp.sink.messages if m["To"] == recipients[0].email)
    assert mail["Subject"] == "CBM Tracker — your week 2025-W11: 1 to look at"
    assert f"/cells/{france()[0].pk}/" in mail.get_body(("plain",)).get_content()


def test_a_worker_killed_mid_chunk_loses_no_reminder_and_sends_none_twice(users, broker):
    n, lease = 24, 3
    recipients = editors_with_a_cell_overdue(n, users)
    with SMTPServer(delay=0.25) as smtp:
        env = {"CBM_REMINDER_CHUNK_SIZE": 5, "CBM_REMINDER_LEASE_SECONDS": lease}
        killed_at = kill_mid_run(
            smtp, BROKER, env, run=weekly_job, done=all_sent(recipients), lease=lease,
            what="every reminder sent after the kill",
        )  # fmt: skip
    received = reminded(smtp, recipients)
    duplicates = sum(count - 1 for count in received.values())
    assert set(received) == {u.email for u in recipients}, "an editor got no reminder"
    assert ReminderDelivery.objects.filter(period=PERIOD, user__in=recipients).count() == n
    # Only the mail the SMTP server was taking when the worker died can come
    # twice, and it carries the same Message-ID (mail clients fold it).
    assert duplicates <= 1
    ids = [m["Message-ID"] for m in smtp.sink.messages]
    assert len(set(ids)) == len({m["To"] for m in smtp.sink.messages})
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reminder-worker-kill.json").write_text(
        json.dumps(
            {
                "editors": n,
                "mails_before_kill": killed_at,
                "mails_total": sum(received.values()),
                "duplicates": duplicates,
            }
        )
    )
