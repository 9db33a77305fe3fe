"""Digest fan-out for 10,000 subscribers to a local SMTP sink.

Fan-out: the weekly job sent through Redis (as beat sends it) to one worker
started with compose/start-worker (CELERY_WORKER_CONCURRENCY processes):
plan, claim, build, send and record every delivery. Timed from sending the
job until every delivery is closed and the sink holds every mail.

Floor: the same messages, built beforehand, sent by one process over one
connection with ``send_messages``.

Goals: SMTP connections ≤ ⌈E / chunk⌉ (E mails, chunk = CBM_DIGEST_CHUNK_SIZE)
and fan-out wall time ≤ 2× the floor. Rounds alternate fan-out and floor; the
deliveries of the period are deleted before each fan-out.

    REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python bench/digest.py --engine postgres [--rounds 10] [--chunk 100]
"""

import argparse
import math
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


class Sink:
    """An aiosmtpd handler that counts mails and connections, and keeps nothing."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mails = 0
        self.connections = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.mails += 1
        return "250 OK"

    def reset(self):
        with self.lock:
            self.mails = self.connections = 0


def start_sink():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    sink = Sink()

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            with sink.lock:
                sink.connections += 1
            super().connection_made(transport)

    class CountingController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    port = free_port()
    controller = CountingController(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink, port


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser, dataset="digest")
    parser.set_defaults(rounds=10)
    parser.add_argument("--chunk", type=int, default=100, help="CBM_DIGEST_CHUNK_SIZE")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--broker-db", type=int, default=9, help="Redis database for the run")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    args = parser.parse_args()
    # `timeout` and Ctrl-C alike: stop the worker on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("set REDIS_URL (the fan-out goes through a real broker)")
    broker = redis_url.rsplit("/", 1)[0] + f"/{args.broker_db}"

    controller, sink, port = start_sink()
    os.environ.update(
        {
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "CELERY_BROKER_URL": broker,
            "REDIS_URL": broker,
            "CBM_DIGEST_CHUNK_SIZE": str(args.chunk),
        }
    )
    common.setup(args.engine, args.dataset)

    import redis
    from django.core.mail import get_connection
    from django.db.models import Max

    from cbm_tracker.celery import app as celery_app
    from digests.models import DigestDelivery, DigestRun
    from measures import digests
    from measures.models import Assessment

    recorded = Assessment.objects.filter(rationale_en__startswith="Bench news").aggregate(
        last=Max("recorded_at")
    )["last"]
    if recorded is None:
        raise SystemExit("no news: run bench/prepare.py --dataset digest first")
    year, week, _ = recorded.isocalendar()
    period = f"{year}-W{week:02d}"

    # The floor's messages: what each subscriber would get, built once.
    subscriptions = list(
        digests.eligible_subscriptions()
        .select_related("user")
        .prefetch_related("countries", "measures", "initiatives")
    )
    planned = [DigestDelivery(subscription=s, period=period) for s in subscriptions]
    started = time.perf_counter()
    messages = [m for _, m in digests.build_messages(planned, period) if m is not None]
    build_seconds = time.perf_counter() - started
    print(f"built {len(planned)} digests in {build_seconds:.0f} s", file=sys.stderr, flush=True)
    mails = len(messages)
    mail_bytes = statistics.median(len(m.message().as_bytes()) for m in messages[:500])

    def floor():
        connection = get_connection()
        connection.send_messages(messages)
        connection.close()

    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": common.database_url(args.engine, args.dataset),
        "CELERY_WORKER_CONCURRENCY": str(args.concurrency),
        "CELERY_LOG_LEVEL": "WARNING",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(common.ROOT),
    }
    worker_log = common.RESULTS_DIR / "digest-worker.log"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [str(common.ROOT / "compose" / "start-worker")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = broker, False
    fanout_connections = []
    last_states = {}  # of the last fan-out (the floor's round deletes the rows)

    def reset():
        DigestDelivery.objects.filter(period=period).delete()
        DigestRun.objects.filter(period=period).delete()
        sink.reset()

    def fanout():
        celery_app.send_task("digests.tasks.send_weekly_digests", kwargs={"period": period})
        deadline = time.monotonic() + 600
        while True:
            if worker.poll() is not None:
                raise SystemExit(f"the worker died: see {worker_log}")
            if time.monotonic() > deadline:
                raise SystemExit(f"fan-out did not finish in 600 s: see {worker_log}")
            with sink.lock:
                got = sink.mails
            if got >= mails:
                open_rows = DigestDelivery.objects.filter(
                    period=period, state__in=["pending", "sending"]
                )
                if not open_rows.exists():
                    break
            time.sleep(0.05)
        fanout_connections.append(sink.connections)
        last_states.clear()
        for state in DigestDelivery.objects.filter(period=period).values_list("state", flat=True):
            last_states[state] = last_states.get(state, 0) + 1

    samples = {"fanout": [], "floor": []}
    try:
        time.sleep(3)  # the worker connects to the broker
        for round_number in range(args.warmup + args.rounds):
            for name, fn in (("fanout", fanout), ("floor", floor)):
                reset()
                start = time.perf_counter()
                fn()
                elapsed = time.perf_counter() - start
                assert sink.mails == mails, (name, sink.mails, mails)
                if round_number >= args.warmup:
                    samples[name].append(elapsed)
                print(f"round {round_number}: {name} {elapsed:.1f} s", file=sys.stderr, flush=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
        controller.stop()
    median = {name: statistics.median(v) for name, v in samples.items()}
    allowed = math.ceil(mails / args.chunk)
    result = {
        "dataset": args.dataset,
        "period": period,
        "rounds": args.rounds,
        "subscribers": len(subscriptions),
        "mails": mails,
        "last_fanout_states": last_states,
        "chunk": args.chunk,
        "mail_bytes_median": mail_bytes,
        "worker_concurrency": args.concurrency,
        "fanout_s": round(median["fanout"], 2),
        "floor_s": round(median["floor"], 2),
        "floor_build_messages_s": round(build_seconds, 2),
        "fanout_mails_per_s": round(mails / median["fanout"], 1),
        "floor_mails_per_s": round(mails / median["floor"], 1),
        "connections": {
            "max_per_fanout": max(fanout_connections),
            "allowed": allowed,
            "met": max(fanout_connections) <= allowed,
        },
        **common.goal(median["fanout"] / median["floor"], 2.0),
        "samples_s": {k: [round(t, 2) for t in v] for k, v in samples.items()},
    }
    common.report("digest", args.engine, result)


if __name__ == "__main__":
    main()
