"""For the tests that run real worker processes against Redis."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

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


def database_url():
    """The test database, for the worker process to share."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


class Worker:
    """``celery worker`` in its own process group, as production runs it."""

    def __init__(self, smtp, broker, **env):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.local",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": smtp.url,
            **{k: str(v) for k, v in env.items()},
        }
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cbm_tracker",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-mingle",
                "--without-gossip",
                "--prefetch-multiplier=1",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def wait_for(condition, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def send_task(url, name, **kwargs):
    """Send the task ``name`` through the broker at ``url``, as beat does."""
    with celery_app.connection_for_write(url) as connection_:
        celery_app.send_task(name, kwargs=kwargs, connection=connection_)


def kill_mid_run(smtp, broker, env, *, run, done, lease, what):
    """Kill a worker once its second chunk is under way, let its lease run
    out, start another and run the job again: the run a dead worker leaves.
    Returns how many mails the server had when the first worker died."""
    first = Worker(smtp, broker, **env).start()
    second = Worker(smtp, broker, **env)
    try:
        run()
        wait_for(lambda: len(smtp.sink.messages) >= 7, what="the second chunk under way")
        first.kill()
        killed_at = len(smtp.sink.messages)
        second.start()
        time.sleep(lease + 1)  # the dead worker's lease runs out
        run()  # the next run reclaims what the dead worker held
        wait_for(done, timeout=120, what=what)
        time.sleep(1)
    finally:
        first.kill()
        second.kill()
    return killed_at
