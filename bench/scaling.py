"""Scaling: the country scorecard and the matrix at 50 vs. 200 countries.

Goal: time grows no faster than output size, i.e. for each endpoint
time(200) / time(50) ≤ bytes(200) / bytes(50) (the country scorecard's
output does not grow with the number of countries, so its time should not
either; the matrix's grows about 4×).

The two data sets are two databases, so each is served by a child process of
its own; the parent asks them in turn (50, 200, 50, 200, ...) so that both
are measured side by side in one run.

    .venv/bin/python bench/scaling.py --engine postgres [--rounds 11]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

ENDPOINTS = {
    "country": "/api/v1/scorecards/countries/MA/",
    "matrix": "/api/v1/scorecards/matrix/",
}
SMALL, LARGE = "50", "200"


def child(engine, dataset):
    """Serve timing requests: read an endpoint name per line, answer JSON.

    ``work <endpoint>`` answers what does not depend on the machine's load:
    the number of Python function calls and of queries one request makes.
    """
    common.setup(engine, dataset)
    client = common.WSGI(common.api_token(common.ANALYST))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, name = line.strip().rpartition(" ")
        path = ENDPOINTS[name]
        if command == "work":
            print(json.dumps(work(client, path)), flush=True)
            continue
        start = time.perf_counter()
        status, _, body = client.get(path)
        elapsed = time.perf_counter() - start
        assert status == 200, (path, status, body[:300])
        print(json.dumps({"seconds": elapsed, "bytes": len(body)}), flush=True)


def work(client, path):
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        client.get(path)
        profile.disable()
    return {"python_calls": pstats.Stats(profile).total_calls, "queries": len(queries)}


class Child:
    def __init__(self, engine, dataset):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--engine", engine, "--child", dataset],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self.process.stdout.readline())["ready"]

    def ask(self, endpoint, command=""):
        self.process.stdin.write(f"{command} {endpoint}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.engine, args.child)
        return
    children = {name: Child(args.engine, name) for name in (SMALL, LARGE)}
    result = {"rounds": args.rounds, "datasets": {k: common.DATASETS[k] for k in children}}
    try:
        for endpoint in ENDPOINTS:
            for child_process in children.values():  # warm-up
                child_process.ask(endpoint)
            samples = {name: [] for name in children}
            size = {}
            for _ in range(args.rounds):
                for name, child_process in children.items():
                    answer = child_process.ask(endpoint)
                    samples[name].append(answer["seconds"])
                    size[name] = answer["bytes"]
            work = {
                name: child_process.ask(endpoint, "work")
                for name, child_process in children.items()
            }
            median = {name: statistics.median(t) for name, t in samples.items()}
            time_ratio = median[LARGE] / median[SMALL]
            size_ratio = size[LARGE] / size[SMALL]
            result[endpoint] = {
                "ms_50": common.ms(median[SMALL]),
                "ms_200": common.ms(median[LARGE]),
                "bytes_50": size[SMALL],
                "bytes_200": size[LARGE],
                "time_ratio": round(time_ratio, 3),
                "size_ratio": round(size_ratio, 3),
                # Independent of the machine's load: what one request does.
                "python_calls_50": work[SMALL]["python_calls"],
                "python_calls_200": work[LARGE]["python_calls"],
                "queries_50": work[SMALL]["queries"],
                "queries_200": work[LARGE]["queries"],
                "goal": "time ratio ≤ size ratio (+10 % for noise)",
                "met": time_ratio <= size_ratio * 1.10,
            }
    finally:
        for child_process in children.values():
            child_process.close()
    common.setup(args.engine, LARGE)  # for the report's database version
    common.report("scaling", args.engine, result)


if __name__ == "__main__":
    main()
