"""HTTP throughput with wrk against gunicorn: the country-scorecard endpoint
vs. a minimal Django view returning the same bytes — goal ≥ 50 %; and the
same scorecard with the disclosure ledger off, side by side (its cost).

Gunicorn as compose/start-web starts it (bench settings: the application's
URLs plus /bench/static/, no throttles) serves both; the minimal view sits
behind the same middleware stack, so the ratio is what the scorecard itself
costs. The scorecard is measured twice: as production serves it (rendered
once per ETag, then from the cache) and from a second server that renders
every request (CBM_RENDERED_CACHE_SECONDS=0). Both are requested with the same API
token header. Rounds alternate the two endpoints; the result is the median
requests per second of each.

    apt-get install -y wrk
    .venv/bin/python bench/throughput.py --engine postgres [--rounds 10] [--seconds 5]

Set REDIS_URL to make the cache (throttle counters) Redis, as in production.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SCORECARD = "/api/v1/scorecards/countries/MA/"
MINIMAL = "/bench/static/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url, token, seconds, connections, threads):
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Token {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses from {url}:\n{out}")
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    return rps, p50


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser)
    parser.set_defaults(rounds=10)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop gunicorn on the way out
    common.setup(args.engine, args.dataset)

    token = common.api_token(common.ANALYST)
    status, _, body = common.WSGI(token).get(SCORECARD)
    assert status == 200, (status, body[:300])
    body_file = Path(tempfile.mkstemp(prefix="cbm-bench-body-")[1])
    body_file.write_bytes(body)

    # Three servers: production's settings (scorecards rendered once per ETag,
    # then served from the cache; the disclosure ledger on), the same with the
    # ledger off, and one that renders every request.
    servers = {"cached": None, "ledger_off": None, "uncached": None}
    ports = {name: free_port() for name in servers}
    for name in servers:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": common.database_url(args.engine, args.dataset),
            "CBM_BENCH_BODY": str(body_file),
            "CBM_RENDERED_CACHE_SECONDS": "0" if name == "uncached" else "300",
            "CBM_DISCLOSURE_LEDGER": "false" if name == "ledger_off" else "true",
            "GUNICORN_BIND": f"127.0.0.1:{ports[name]}",
            "WEB_CONCURRENCY": str(args.workers),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(common.ROOT),
        }
        servers[name] = subprocess.Popen(
            [str(common.ROOT / "compose" / "start-web")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    targets = {
        "scorecard": base["cached"] + SCORECARD,
        "scorecard_ledger_off": base["ledger_off"] + SCORECARD,
        "scorecard_uncached": base["uncached"] + SCORECARD,
        "minimal": base["cached"] + MINIMAL,
    }
    try:
        for name, server in servers.items():
            deadline = time.monotonic() + 60
            while True:
                try:
                    request = urllib.request.Request(
                        base[name] + MINIMAL, headers={"Authorization": f"Token {token}"}
                    )
                    with urllib.request.urlopen(request, timeout=5) as response:
                        assert response.read() == body
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.5)
        threads = 1
        for url in targets.values():  # warm-up: every worker, every path
            wrk(url, token, 2, args.connections, threads)
        samples = {name: [] for name in targets}
        latency = {}
        for _ in range(args.rounds):
            for name, url in targets.items():
                rps, p50 = wrk(url, token, args.seconds, args.connections, threads)
                samples[name].append(rps)
                latency[name] = p50
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers.values():
            server.wait(30)
        body_file.unlink()
    median = {name: statistics.median(v) for name, v in samples.items()}
    result = {
        "dataset": args.dataset,
        "rounds": args.rounds,
        "wrk": f"-t{threads} -c{args.connections} -d{args.seconds}s",
        "gunicorn_workers": args.workers,
        "cache": "redis" if os.environ.get("REDIS_URL") else "local memory",
        "body_bytes": len(body),
        "scorecard_rps": round(median["scorecard"], 1),
        "scorecard_ledger_off_rps": round(median["scorecard_ledger_off"], 1),
        "ledger_ratio": round(median["scorecard"] / median["scorecard_ledger_off"], 3),
        "scorecard_uncached_rps": round(median["scorecard_uncached"], 1),
        "minimal_rps": round(median["minimal"], 1),
        "p50_last_round": latency,
        "uncached_ratio": round(median["scorecard_uncached"] / median["minimal"], 3),
        **common.goal(median["scorecard"] / median["minimal"], 0.5, at_most=False),
        "samples_rps": samples,
    }
    common.report("throughput", args.engine, result)


if __name__ == "__main__":
    main()
