"""For the tests that run real worker processes against Redis."""

import contextlib
import os

import pytest
import redis

from cbm_tracker.celery import app as celery_app

# A real worker, Redis, SMTP and PostgreSQL (the worker shares the test database).
PROCESS_MARKS = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.smtp,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]


def broker_url(first_db):
    """A Redis database of its own per xdist worker (``first_db``, one less for
    the next worker, ...), so that parallel runs never share a queue."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return f"{base}/{first_db - worker}"


@contextlib.contextmanager
def celery_through(url):
    """Tasks go to the broker at ``url`` (not run in-process), its database
    emptied before and after."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        client.flushdb()


def send_weekly_job(url, period):
    """What beat sends every Monday, through the broker at ``url``."""
    # An explicit connection: the app's producer pool may still point at the
    # broker an earlier test configured.
    with celery_app.connection_for_write(url) as connection:
        celery_app.send_task(
            "digests.tasks.send_weekly_digests", kwargs={"period": period}, connection=connection
        )
