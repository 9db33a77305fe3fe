"""The heat map's weight, side by side: bytes transferred and server time of
the overview page (``/``, the countries × measures heat map) for another
commit (default the base of issue 15, 6657654: no compression) and for this
tree, in one run, against the same database.

    .venv/bin/python bench/heatmap_weight.py --engine sqlite [--base 6657654] [--rounds 21]

The other commit is exported with ``git archive`` into a temporary directory.
Each tree runs in a child process of its own (this script with ``--serve``,
Django imported from that tree, ``bench.settings``) that answers one request
per line on stdin through the WSGI application, every middleware included,
logged in as a public reader (a session cookie, as a browser sends), and
reports the bytes and the time from request to last byte. The parent asks
the children in turn (old, new, new without gzip, old, new, ...), so that
drift of the machine weighs on each alike, and reports the medians.

Contenders, each asking with ``Accept-Encoding: gzip, deflate, br`` as
browsers do, except the last:

- ``base``: the other commit;
- ``current``: this tree;
- ``current, identity``: this tree, the client accepting no compression
  (its child also times Django's gzip of those bytes alone).

Data set ``seed``: the seed data (fixtures/), in a database of its own
(``cbm_bench_seed`` / ``seed.sqlite3``), migrated by this tree and seeded on
first use — the heat map as a reader sees it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = "seed"
PAGE = "/"
BROWSER_ENCODINGS = "gzip, deflate, br"


# --- the child: one tree, one Django, one request per line ----------------------------


def serve(tree):
    """Answer "gzip" / "identity" lines with one GET of the page each."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("CBM_RENDERED_CACHE_SECONDS", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import common

    reader = get_user_model().objects.get(username=common.READER)
    login = Client()
    login.force_login(reader)
    cookie = f"{settings.SESSION_COOKIE_NAME}={login.cookies[settings.SESSION_COOKIE_NAME].value}"
    wsgi = common.WSGI()
    for line in sys.stdin:
        headers = {"Cookie": cookie, "Accept-Language": "en"}
        if line.strip() == "gzip":
            headers["Accept-Encoding"] = BROWSER_ENCODINGS
        start = time.perf_counter()
        status, response_headers, body = wsgi.get(PAGE, headers=headers)
        seconds = time.perf_counter() - start
        head = sum(len(f"{k}: {v}\r\n") for k, v in response_headers.items())
        # What compressing these bytes costs, alone (Django's gzip, level 6).
        packing = [timed_gzip(body) for _ in range(5)] if "Accept-Encoding" not in headers else [0]
        result = {
            "status": status,
            "body_bytes": len(body),
            "header_bytes": head,
            "encoding": response_headers.get("Content-Encoding", "identity"),
            "seconds": seconds,
            "gzip_seconds": statistics.median(packing),
        }
        print(json.dumps(result), flush=True)


def timed_gzip(body):
    from django.utils.text import compress_string

    start = time.perf_counter()
    compress_string(body, max_random_bytes=100)
    return time.perf_counter() - start


# --- the parent: the data set, the trees, the interleaved rounds ----------------------


def prepare_dataset(engine):
    from bench import prepare

    prepare.create_database(engine, DATASET)
    from bench import common

    common.setup(engine, DATASET)
    from django.core.management import call_command

    from measures.models import Measure

    call_command("migrate", "--noinput", verbosity=0)
    if not Measure.objects.exists():
        call_command("seed", verbosity=0)
    prepare.users()


def export(commit, into):
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)


class Child:
    def __init__(self, tree, environ):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environ,
        )

    def ask(self, encoding):
        self.process.stdin.write(encoding + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"child {self.process.args} stopped")
        result = json.loads(answer)
        assert result["status"] == 200, result
        return result

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def measure(children, rounds, warmup=2):
    contenders = {
        "base": (children["base"], "gzip"),
        "current": (children["current"], "gzip"),
        "current, identity": (children["current"], "identity"),
    }
    seen = {name: [] for name in contenders}
    for round_ in range(warmup + rounds):
        for name, (child, encoding) in contenders.items():
            result = child.ask(encoding)
            if round_ >= warmup:
                seen[name].append(result)
    summary = {}
    for name, results in seen.items():
        last, encoding = results[-1], contenders[name][1]
        summary[name] = {
            "encoding": last["encoding"],
            "body_bytes": last["body_bytes"],
            "transferred_bytes": last["body_bytes"] + last["header_bytes"],
            "server_ms_median": round(statistics.median(r["seconds"] for r in results) * 1000, 2),
            "server_ms_all": [round(r["seconds"] * 1000, 1) for r in results],
        }
        if encoding == "identity":
            gzip_ms = statistics.median(r["gzip_seconds"] for r in results) * 1000
            summary[name]["gzip_of_these_bytes_ms_median"] = round(gzip_ms, 2)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--engine", choices=["sqlite", "postgres"])
    parser.add_argument("--base", default="6657654", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds (median)")
    args = parser.parse_args()
    if args.serve:
        return serve(Path(args.serve))
    if not args.engine:
        parser.error("--engine is required")
    sys.path.insert(0, str(ROOT))
    prepare_dataset(args.engine)
    from bench import common

    environ = {**os.environ, "DATABASE_URL": common.database_url(args.engine, DATASET)}
    with tempfile.TemporaryDirectory(prefix="cbm-base-") as tmp:
        export(args.base, Path(tmp))
        children = {"base": Child(tmp, environ), "current": Child(ROOT, environ)}
        try:
            summary = measure(children, args.rounds)
        finally:
            for child in children.values():
                child.close()
    base, current = summary["base"], summary["current"]
    common.report(
        "heatmap_weight",
        args.engine,
        {
            "page": PAGE,
            "base_commit": args.base,
            "rounds": args.rounds,
            "contenders": summary,
            "bytes_current_vs_base": common.goal(
                current["transferred_bytes"] / base["transferred_bytes"], 0.25
            ),
            # "Does not grow": within the 5 % two medians of one commit differ
            # by on this shared machine; gzip_of_these_bytes_ms_median is the
            # compression's own cost, measured alone.
            "server_time_current_vs_base": common.goal(
                current["server_ms_median"] / base["server_ms_median"], 1.05
            ),
        },
    )


if __name__ == "__main__":
    main()
