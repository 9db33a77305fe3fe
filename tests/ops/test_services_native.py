"""The compose services' start commands, run natively (no Docker engine here).

The commands are read from docker-compose.yml and run through the
Dockerfile's ENTRYPOINT, with /app (the image's WORKDIR) mapped to this
repository, against the local PostgreSQL test database and Redis: so the
file and what CI runs cannot drift apart. Each service gets the variables of
the env files docker-compose.yml gives it (local stand-ins for
compose/django.env and compose/postgres.env) and its ``environment``:

- ``migrate`` applies migrations as the role that owns the tables (the
  entrypoint builds its DATABASE_URL from compose/postgres.env, over the
  application's from compose/django.env), then grants the roles (db_roles);
- ``web`` (gunicorn) answers /healthz over plain HTTP under production
  settings, connected as the application's role ``cbm_app`` (seen in
  pg_stat_activity), and its compose health check passes;
- ``beat`` starts although a pid file naming a live process was left behind;
- ``worker`` takes a weekly digest job sent through Redis (as beat sends it)
  and delivers the digest to a local SMTP server, as ``cbm_app`` too;
- ``prune_audit``, run in the migrate container as docs/operations.md says,
  connects as the maintenance role ``cbm_maintenance``;

then each is stopped with SIGTERM, as ``docker compose stop`` does. The
roles are those .ci/run creates (password = name). Apart from that,
compose/postgres-roles.sh (the postgres container's init script) creates
roles on the local server, when this process may act as ``postgres``.
"""

import datetime
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.db import connection

from digests import services as digest_services
from digests.models import DigestDelivery
from tests.brokers import PROCESS_MARKS, broker_url, celery_through, send_weekly_job
from tests.external import APP_ROLE, MAINTENANCE_ROLE, require_roles, unavailable
from tests.factories import EvidenceFactory, assess, cell_at, make_user
from tests.ops.test_compose import (
    ROOT,
    command_words,
    entrypoint_words,
    in_repository,
    load_compose,
)
from tests.smtp import SMTPServer, free_port

pytestmark = PROCESS_MARKS

PERIOD = "2025-W20"
IN_PERIOD = datetime.datetime(2025, 5, 14, 10, 0, tzinfo=datetime.UTC)
BROKER = broker_url(12)  # apart from the digest worker tests' (14, 13)


APP, MAINTENANCE = APP_ROLE, MAINTENANCE_ROLE
# Not inherited from this process: compose sets them, or nothing does.
NOT_INHERITED = {
    "DATABASE_URL",
    "CBM_MAINTENANCE_DATABASE_URL",
    "CBM_DATABASE_ROLE",
    "DJANGO_SETTINGS_MODULE",
    "REDIS_URL",
    "CELERY_BROKER_URL",
}
NOT_INHERITED_PREFIXES = ("POSTGRES_", "CBM_APP_DB_", "CBM_MAINTENANCE_DB_", "PG")


def env_files(tmp_path, smtp, **extra):
    """Local stand-ins for the env files of docker-compose.yml, by path."""
    db = connection.settings_dict
    host, port, name = db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432), db["NAME"]
    return {
        "compose/django.env": {
            "DATABASE_URL": f"postgres://{APP}:{APP}@{host}:{port}/{name}",
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
        },
        "compose/postgres.env": {
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": port,
            "POSTGRES_DB": name,
            "POSTGRES_USER": db["USER"],  # the test database's owner
            "POSTGRES_PASSWORD": db["PASSWORD"],
            "CBM_APP_DB_USER": APP,
            "CBM_APP_DB_PASSWORD": APP,
            "CBM_MAINTENANCE_DB_USER": MAINTENANCE,
            "CBM_MAINTENANCE_DB_PASSWORD": MAINTENANCE,
        },
    }


def service_environment(name, files):
    """What compose gives the service ``name``: its env files, in order, then
    its ``environment``, pointed at local services."""
    service = load_compose()["services"][name]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in NOT_INHERITED and not k.startswith(NOT_INHERITED_PREFIXES)
    }
    for entry in service["env_file"]:
        env.update(files[entry["path"]])
    env.update(service["environment"])
    # The image puts its Python first on PATH; here the virtualenv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # Names this service's database sessions in pg_stat_activity (libpq reads it).
    env["PGAPPNAME"] = f"cbm-native-{name}"
    return env


def session_roles(name):
    """The roles of the database sessions the service ``name`` has open."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [f"cbm-native-{name}"],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def roles():
    """The application's and the maintenance roles exist (.ci/run creates them)."""
    require_roles()


WHO_CONNECTS = """
import json
from django.db import connections
users = {}
for alias in ("default", "maintenance"):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_user")
        users[alias] = cursor.fetchone()[0]
print(json.dumps(users))
"""


def entrypoint_argv():
    return [str(in_repository(w)) if w.startswith("/") else w for w in entrypoint_words()]


class Service:
    """One compose service's command, in its own process group, with the
    environment compose gives that service."""

    def __init__(self, name, files, tmp_path):
        self.name, self.env = name, service_environment(name, files)
        self.log = tmp_path / f"{name}.log"
        self.process = None

    @property
    def argv(self):
        command = command_words(self.name)
        return [*entrypoint_argv(), str(in_repository(command[0])), *command[1:]]

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
    with celery_through(BROKER):
        yield


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
        cell = cell_at(11, "MA")
        assess(
            users.editor,
            cell,
            "under_discussion",
            datetime.date(2025, 5, 12),
            evidence=[EvidenceFactory(cells=[cell])],
        )
    return digest_services.subscribe(make_user("native_sub", role="reader", clearance="public"))


def test_the_compose_services_run_natively(tmp_path, users, roles, broker, started):
    subscription = one_subscriber_with_news(users)
    port = free_port()
    with SMTPServer() as smtp:
        files = env_files(tmp_path, smtp, GUNICORN_BIND=f"127.0.0.1:{port}")

        # migrate: a one-shot that must succeed, as the owner (DATABASE_URL
        # from POSTGRES_*), then grants the roles their rights.
        migrate = Service("migrate", files, tmp_path).start()
        started.append(migrate)
        assert migrate.process.wait(120) == 0, migrate.output()
        assert "No migrations to apply" in migrate.output()
        assert (
            f"{APP}: all tables, audit records and disclosure ledger insert/select only"
            in migrate.output()
        )
        assert f"{MAINTENANCE}: audit records select/delete" in migrate.output()

        # web: gunicorn answers /healthz over plain HTTP, connected as the
        # application's role; the rest goes to HTTPS.
        web = Service("web", files, tmp_path).start()
        assert not {"POSTGRES_PASSWORD", "CBM_MAINTENANCE_DB_PASSWORD"} & set(web.env)
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
        assert session_roles("web") == {APP}  # its connection outlives the request
        status, headers, _ = get(f"http://127.0.0.1:{port}/api/v1/measures/")
        assert status == 301 and headers["Location"].startswith("https://")
        check = run_healthcheck(web.env, "web")
        assert check.returncode == 0, check.stdout + check.stderr

        # beat: starts although the last container left its pid file behind,
        # naming a live process (without the start script's rm, beat refuses).
        pidfile = Path(files["compose/django.env"]["CELERY_BEAT_PIDFILE"])
        pidfile.write_text(f"{os.getpid()}\n")
        beat = Service("beat", files, tmp_path).start()
        started.append(beat)
        wait_for(
            lambda: pidfile.exists() and pidfile.read_text().strip() == str(beat.process.pid),
            beat,
            "beat to write its own pid file",
        )
        wait_for(lambda: "beat: Starting" in beat.output(), beat, "beat to start")
        check = run_healthcheck(beat.env, "beat")
        assert check.returncode == 0, check.stdout + check.stderr

        # worker: the weekly job, sent through Redis as beat sends it, ends
        # with the digest in the SMTP server.
        worker = Service("worker", files, tmp_path).start()
        started.append(worker)
        wait_for(lambda: "ready." in worker.output(), worker, "the worker to be ready")
        send_weekly_job(BROKER, PERIOD)
        wait_for(
            lambda: DigestDelivery.objects.filter(period=PERIOD, state="sent").exists(),
            worker,
            "the digest to be sent",
            timeout=90,
        )
        assert smtp.sink.recipients() == [subscription.recipient]
        assert session_roles("worker") <= {APP}
        check = run_healthcheck(worker.env, "worker")
        assert check.returncode == 0, check.stdout + check.stderr

        # Retention, as docs/operations.md runs it: a one-off migrate
        # container, whose entrypoint gives prune_audit the maintenance role.
        def one_off(*command):
            done = subprocess.run(
                [*entrypoint_argv(), "python", "manage.py", *command],
                cwd=ROOT,  # the image's WORKDIR
                env=migrate.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        assert "(database maintenance)" in one_off("prune_audit", "--older-than-days", "36500")
        users_of = one_off("shell", "-c", WHO_CONNECTS)
        assert json.loads(users_of.strip().splitlines()[-1]) == {
            "default": connection.settings_dict["USER"],
            "maintenance": MAINTENANCE,
        }

        # docker compose stop: SIGTERM, and each process ends by itself.
        for service in (worker, beat, web):
            service.stop()
            assert not service.running()
        assert not pidfile.exists(), "beat removes its pid file on a clean stop"


def postgres_superuser(*argv, env=None):
    """Run ``argv`` as the OS user postgres (peer authentication as the
    superuser, as the postgres image runs its init scripts)."""
    assigned = [f"{key}={value}" for key, value in (env or {}).items()]
    command = shlex.join(["env", *assigned, *map(str, argv)])
    return subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", command],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )


def can_log_in(role, password):
    params = connection.get_connection_params()
    try:
        with psycopg.connect(
            host=params.get("host") or "127.0.0.1",
            port=params.get("port") or 5432,
            dbname=params["dbname"],
            user=role,
            password=password,
        ) as session:
            return session.execute("SELECT current_user").fetchone()[0] == role
    except psycopg.OperationalError:
        return False


def test_the_postgres_init_script_creates_the_roles_and_can_run_again():
    mounts = dict(
        reversed(volume.split(":")[:2])
        for volume in load_compose()["services"]["postgres"]["volumes"]
    )
    script = ROOT / mounts["/docker-entrypoint-initdb.d/10-cbm-roles.sh"]
    refused = subprocess.run([script], env={"PATH": os.environ["PATH"]}, capture_output=True)
    assert refused.returncode != 0 and b"CBM_APP_DB_PASSWORD" in refused.stderr
    if os.geteuid() != 0 or not shutil.which("su"):
        unavailable("runs the script as the postgres superuser: needs root (as .ci/run has)")

    suffix = uuid.uuid4().hex[:8]
    app, maintenance = f"cbm_app_{suffix}", f"cbm_maintenance_{suffix}"
    env = {
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "CBM_APP_DB_USER": app,
        "CBM_MAINTENANCE_DB_USER": maintenance,
    }
    try:
        for app_password, maintenance_password in (("first-1", "first-2"), ("it's-2", "new 3")):
            done = postgres_superuser(
                script,
                env={
                    **env,
                    "CBM_APP_DB_PASSWORD": app_password,
                    "CBM_MAINTENANCE_DB_PASSWORD": maintenance_password,
                },
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert can_log_in(app, app_password) and can_log_in(maintenance, maintenance_password)
        assert not can_log_in(app, "first-1")  # a second run sets the new passwords
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolname, rolcanlogin, rolsuper OR rolcreatedb OR rolcreaterole "
                "OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname IN (%s, %s)",
                [app, maintenance],
            )
            assert sorted(cursor.fetchall()) == [(app, True, False), (maintenance, True, False)]
    finally:
        drop = postgres_superuser("psql", "-q", "-c", f"DROP ROLE IF EXISTS {app}, {maintenance}")
        assert drop.returncode == 0, drop.stderr
