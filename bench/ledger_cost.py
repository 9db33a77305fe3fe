"""What the disclosure ledger costs a scorecard request (issue 16: within 10 %).

A confidential analyst (``bench_analyst``: confidential, MA and NATO — every
marked row is theirs to see, so every response releases marked rows) asks
for ``/api/v1/scorecards/countries/`` and ``/api/v1/scorecards/matrix/``
with a token, through the whole WSGI stack, with ``CBM_DISCLOSURE_LEDGER``
off and on, measured side by side (interleaved). On, twice: recording every
copy (``CBM_DISCLOSURE_REPEAT_SECONDS=0``: each request writes an entry) and
with the default repeat window (300 s: the first copy of a representation
writes, the same copy again within the window costs one cache ``add``).
Two regimes:

- *computed*: the rendered cache off (``CBM_RENDERED_CACHE_SECONDS=0``),
  every request computes the scorecard;
- *cached*: the rendered bytes served from the cache (production's default),
  where the request itself is cheapest and the ledger's share the largest.

With the ledger off no row is collected; the scorecard query still selects
the two columns the ledger reads (the picked assessment's public id and
marking), so "off" is this build without the hook, not the build before it.

    .venv/bin/python bench/prepare.py --engine postgres --dataset 50
    REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/ledger_cost.py --engine postgres --dataset 50
    .venv/bin/python bench/ledger_cost.py --engine sqlite --dataset seed   # the seed data
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PATHS = ["/api/v1/scorecards/countries/", "/api/v1/scorecards/matrix/"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_arguments(parser, dataset="50")
    args = parser.parse_args()
    common.setup(args.engine, args.dataset)

    from django.conf import settings
    from django.core.management import call_command

    from bench.prepare import users
    from measures.models import DisclosedRow, Disclosure

    call_command("migrate", verbosity=0)  # the ledger's tables, on a data set built before them
    users()
    client = common.WSGI(common.api_token(common.ANALYST))

    def request(path, ledger, repeat_seconds=0):
        def run():
            settings.CBM_DISCLOSURE_LEDGER = ledger
            settings.CBM_DISCLOSURE_REPEAT_SECONDS = repeat_seconds
            status, _, _ = client.get(path)
            assert status == 200, (path, status)

        return run

    results, entries = {}, Disclosure.objects.count()
    for regime, seconds in (("computed", 0), ("cached", 300)):
        settings.CBM_RENDERED_CACHE_SECONDS = seconds
        for path in PATHS:
            fns = {
                "off": request(path, False),
                "every copy": request(path, True),
                "repeats once": request(path, True, 300),
            }
            medians, _ = common.side_by_side(fns, args.rounds, warmup=2)
            results[f"{regime} {path}"] = {
                "off_ms": common.ms(medians["off"]),
                **{
                    name: {
                        "ms": common.ms(medians[name]),
                        **common.goal(medians[name] / medians["off"], 1.10),
                    }
                    for name in ("every copy", "repeats once")
                },
            }
    latest = Disclosure.objects.order_by("-time", "-id").first()
    common.report(
        "ledger_cost",
        args.engine,
        {
            "dataset": args.dataset,
            "rounds": args.rounds,
            "results": results,
            "entries_written": Disclosure.objects.count() - entries,
            "rows_in_last_release": latest.rows.size if latest else 0,
            "ledger_rows_stored": DisclosedRow.objects.count(),
        },
    )


if __name__ == "__main__":
    main()
