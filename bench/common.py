"""Shared by the benchmarks: which database, Django set-up, timing, reports.

Every benchmark takes ``--engine sqlite|postgres`` and a data set name; the
data set lives in its own database, never the development or test ones:

- PostgreSQL: ``$CBM_BENCH_PG/cbm_bench_<name>`` (default
  ``postgres://cbm:cbm@127.0.0.1:5432``); the role needs CREATEDB.
- SQLite: ``$CBM_BENCH_DIR/<name>.sqlite3`` (default ``/tmp/cbm-bench``).
"""

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("CBM_BENCH_PG", "postgres://cbm:cbm@127.0.0.1:5432")
SQLITE_DIR = Path(os.environ.get("CBM_BENCH_DIR", "/tmp/cbm-bench"))
RESULTS_DIR = Path(os.environ.get("CBM_BENCH_RESULTS", str(SQLITE_DIR / "results")))

# The data sets bench/prepare.py builds (arguments of `manage.py synth`).
DATASETS = {
    "200": {"countries": 200, "measures": 200, "years": 10, "evidence": 100_000},
    "50": {"countries": 50, "measures": 200, "years": 10, "evidence": 25_000},
    # The digest fan-out: the seed data, one week of news, many subscribers.
    "digest": None,
}
ANALYST = "bench_analyst"  # confidential, affiliated with MA and NATO: sees every synthetic row
READER = "bench_reader"  # public clearance


def database_url(engine, name):
    if engine == "postgres":
        return f"{PG_BASE}/cbm_bench_{name}"
    if engine == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_DIR / f'{name}.sqlite3'}"
    raise SystemExit(f"unknown engine {engine!r}: sqlite or postgres")


def setup(engine, name):
    """Point Django at the data set's database and set it up."""
    os.environ["DATABASE_URL"] = database_url(engine, name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # The in-process benchmarks time the computation, which a scorecard served
    # from its rendered-bytes cache would skip (throughput.py measures both).
    os.environ.setdefault("CBM_RENDERED_CACHE_SECONDS", "0")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def add_arguments(parser, dataset="200"):
    parser.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--dataset", default=dataset, help=f"data set name (default {dataset})")
    parser.add_argument("--rounds", type=int, default=11, help="timed rounds (median; ≥ 10)")


def timed(fn, rounds, warmup=1):
    """Median wall time of ``fn()`` over ``rounds`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def side_by_side(fns, rounds, warmup=1):
    """Medians of several functions measured interleaved (a, b, a, b, ...), so
    that drift of the machine during the run weighs on each alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, times


def machine():
    # Machine details are best-effort: a missing /proc leaves them empty.
    cpu = memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 2**20:.0f} GiB"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def database_version():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def git_revision():
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return ""


def report(benchmark, engine, result):
    """Print the result as JSON and keep it under RESULTS_DIR."""
    result = {
        "benchmark": benchmark,
        "engine": engine,
        "database": database_version(),
        "machine": machine(),
        "code": git_revision(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        # Other work on the machine inflates every wait: say how busy it was.
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        **result,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{benchmark}-{engine}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))
    print(f"(kept in {path})", file=sys.stderr)
    return result


def ms(seconds):
    return round(seconds * 1000, 2)


# --- requests through the whole Django stack, in process --------------------


class WSGI:
    """GET through the WSGI application (every middleware, DRF, the renderer)
    and return (status, headers, body bytes): the "request → bytes" path,
    without a test client's instrumentation."""

    def __init__(self, token=None):
        from django.core.wsgi import get_wsgi_application

        self.app = get_wsgi_application()
        self.token = token

    def get(self, path, query="", headers=None):
        import io

        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = dict(response_headers)

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return captured["status"], captured["headers"], body


def api_token(username):
    """A fresh expiring API token for a benchmark user."""
    import datetime

    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    user = get_user_model().objects.get(username=username)
    _, token = AuthToken.objects.create(user, expiry=datetime.timedelta(hours=2))
    return token


def goal(ratio, limit, at_most=True):
    return {
        "ratio": round(ratio, 3),
        "goal": f"{'≤' if at_most else '≥'} {limit}",
        "met": ratio <= limit if at_most else ratio >= limit,
    }
