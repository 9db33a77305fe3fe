"""The compose services' start commands, run natively (no Docker engine here).

The commands are read from docker-compose.yml and run through the
Dockerfile's ENTRYPOINT, with /app (the image's WORKDIR) mapped to this
repository, against the local PostgreSQL test database and Redis: so the
file and what CI runs cannot drift apart.

- ``migrate`` applies migrations, with DATABASE_URL built by the entrypoint
  from the POSTGRES_* variables of compose/postgres.env;
- ``web`` (gunicorn) answers /healthz over plain HTTP under production
  settings, and its compose health check passes;
- ``beat`` starts although a pid file naming a live process was left behind;
- ``worker`` takes a weekly digest job sent through Redis (as beat sends it)
  and delivers the digest to a local SMTP server;

then each is stopped with SIGTERM, as ``docker compose stop`` does.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import time_machine
from django.db import connection

from cbm_tracker.celery import app as celery_app
from measures import services
from measures.models import DigestDelivery
from tests.factories import EvidenceFactory, assess, cell, make_user
from tests.ops.test_compose import command_words, entrypoint_words, in_repository, load_compose
from tests.smtp import SMTPServer, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.smtp,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
]

PERIOD = "2025-W20"
IN_PERIOD = datetime.datetime(2025, 5, 14, 10, 0, tzinfo=datetime.UTC)
# A Redis database per xdist worker, apart from the digest worker tests' (14, 13).
_XDIST = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
BROKER = (
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{12 - _XDIST}"
)


def database_parts():
    db = connection.settings_dict
    return {
        "POSTGRES_HOST": db["HOST"] or "127.0.0.1",
        "POSTGRES_PORT": str(db["PORT"] or 5432),
        "POSTGRES_DB": db["NAME"],
        "POSTGRES_USER": db["USER"],
        "POSTGRES_PASSWORD": db["PASSWORD"],
    }


def service_environment(tmp_path, smtp, **extra):
    """What compose gives the Django containers, pointed at local services."""
    compose_env = load_compose()["services"]["web"]["environment"]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        {
            **compose_env,
            **database_parts(),  # the entrypoint builds DATABASE_URL from these
            # The image puts its Python first on PATH; here the virtualenv's.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SECRET_KEY": "native-test-" + "s3cr3t-" * 8,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REDIS_URL": BROKER,
            "EMAIL_URL": smtp.url,
            "CBM_SITE_URL": "http://127.0.0.1",
            "WEB_CONCURRENCY": "1",
            "CELERY_WORKER_CONCURRENCY": "1",
            "CELERY_BEAT_PIDFILE": str(tmp_path / "celerybeat.pid"),
            "CELERY_BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"),
            **extra,
        }
    )
    return env


class Service:
    """One compose service's command, in its own process group."""

    def __init__(self, name, env, tmp_path):
        self.name, self.env = name, env
        self.log = tmp_path / f"{name}.log"
        self.process = None

    @property
    def argv(self):
        entrypoint = [str(in_repository(w)) if w.startswith("/") else w for w in entrypoint_words()]
        command = command_words(self.name)
        return [*entrypoint, str(in_repository(command[0])), *command[1:]]

    def start(self):
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd="/",  # the scripts must not depend on the caller's directory
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def output(self):
        return self.log.read_text(errors="replace")[-3000:]

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30):
        """SIGTERM, as ``docker compose stop`` sends; SIGKILL if it hangs."""
        if not self.running():
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            pytest.fail(f"{self.name} ignored SIGTERM for {timeout} s:\n{self.output()}")


def wait_for(condition, service, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if not service.running():
            pytest.fail(
                f"{service.name} exited ({service.process.returncode}):\n{service.output()}"
            )
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}:\n{service.output()}")


def get(url, host="127.0.0.1"):
    request = urllib.request.Request(url, headers={"Host": host})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_healthcheck(env, name):
    """The compose health check of ``name``, as Docker runs it in the container."""
    test = load_compose()["services"][name]["healthcheck"]["test"]
    assert test[0] == "CMD"
    argv = [str(in_repository(test[1])), *test[2:]]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def broker():
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = BROKER, False
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    client.flushdb()


@pytest.fixture
def started():
    """Services started by the test; whatever is still running is stopped."""
    running = []
    yield running
    for service in reversed(running):
        if service.running():
            service.stop()


def one_subscriber_with_news(users):
    with time_machine.travel(IN_PERIOD, tick=False):
        status = cell(11, "MA")
        assess(
            users.editor,
            status,
            "under_discussion",
            datetime.date(2025, 5, 12),
            evidence=[EvidenceFactory(cells=[status])],
        )
    return services.subscribe(make_user("native_sub", role="reader", clearance="public"))


def test_the_compose_services_run_natively(tmp_path, users, broker, started):
    subscription = one_subscriber_with_news(users)
    port = free_port()
    with SMTPServer() as smtp:
        env = service_environment(tmp_path, smtp, GUNICORN_BIND=f"127.0.0.1:{port}")

        # migrate: a one-shot that must succeed (DATABASE_URL from POSTGRES_*).
        migrate = Service("migrate", env, tmp_path).start()
        started.append(migrate)
        assert migrate.process.wait(120) == 0, migrate.output()
        assert "No migrations to apply" in migrate.output()

        # web: gunicorn answers /healthz over plain HTTP; the rest goes to HTTPS.
        web = Service("web", env, tmp_path).start()
        started.append(web)
        healthz = f"http://127.0.0.1:{port}/healthz"

        def answers():
            try:
                return get(healthz)[0] == 200
            except OSError:
                return False

        wait_for(answers, web, "gunicorn to answer /healthz")
        status, headers, body = get(healthz)
        assert json.loads(body) == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        }
        assert headers["X-Request-ID"]
        status, headers, _ = get(f"http://127.0.0.1:{port}/api/v1/measures/")
        assert status == 301 and headers["Location"].startswith("https://")
        check = run_healthcheck(env, "web")
        assert check.returncode == 0, check.stdout + check.stderr

        # beat: starts although the last container left its pid file behind,
        # naming a live process (without the start script's rm, beat refuses).
        pidfile = Path(env["CELERY_BEAT_PIDFILE"])
        pidfile.write_text(f"{os.getpid()}\n")
        beat = Service("beat", env, tmp_path).start()
        started.append(beat)
        wait_for(
            lambda: pidfile.exists() and pidfile.read_text().strip() == str(beat.process.pid),
            beat,
            "beat to write its own pid file",
        )
        wait_for(lambda: "beat: Starting" in beat.output(), beat, "beat to start")
        check = run_healthcheck(env, "beat")
        assert check.returncode == 0, check.stdout + check.stderr

        # worker: the weekly job, sent through Redis as beat sends it, ends
        # with the digest in the SMTP server.
        worker = Service("worker", env, tmp_path).start()
        started.append(worker)
        wait_for(lambda: "ready." in worker.output(), worker, "the worker to be ready")
        # An explicit connection: the app's producer pool may still point at
        # the broker an earlier test configured.
        with celery_app.connection_for_write(BROKER) as connection:
            celery_app.send_task(
                "measures.tasks.send_weekly_digests",
                kwargs={"period": PERIOD},
                connection=connection,
            )
        wait_for(
            lambda: DigestDelivery.objects.filter(period=PERIOD, state="sent").exists(),
            worker,
            "the digest to be sent",
            timeout=90,
        )
        assert smtp.sink.recipients() == [subscription.recipient]
        check = run_healthcheck(env, "worker")
        assert check.returncode == 0, check.stdout + check.stderr

        # docker compose stop: SIGTERM, and each process ends by itself.
        for service in (worker, beat, web):
            service.stop()
            assert not service.running()
        assert not pidfile.exists(), "beat removes its pid file on a clean stop"
