"""The one lookup every ETag and 304 pays, before and after per-viewer ETags:

- *shared*: the writers' revision counter (one row by primary key), which
  ETags read until non-interference needed them to move only with writes
  the viewer may see;
- *per viewer*: the highest ``AudienceRevision`` among the markings the
  viewer may see (``revisions.latest_revision_for``), for a public reader and
  for a cleared analyst (whose markings include releasable-to lists).

Measured side by side in one process, 500 calls per sample; the difference
is what a 304 now costs more (a 304 is 2–3 ms end to end, docs/performance.md).

    .venv/bin/python bench/revision_lookup.py --engine sqlite --dataset 50
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

CALLS = 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_arguments(parser, dataset="50")
    args = parser.parse_args()
    common.setup(args.engine, args.dataset)

    from django.contrib.auth import get_user_model

    from measures.access import viewer_for
    from measures.audit.revisions import latest_revision, latest_revision_for

    def calls(fn):
        def run():
            for _ in range(CALLS):
                fn()

        return run

    viewers = {
        name: viewer_for(get_user_model().objects.get(username=name))
        for name in ("bench_reader", "bench_analyst")
    }
    fns = {"shared counter": calls(latest_revision)}
    for name, viewer in viewers.items():
        fns[f"per viewer ({name})"] = calls(lambda v=viewer: latest_revision_for(v))
    medians, samples = common.side_by_side(fns, args.rounds)
    per_call = {name: round(m / CALLS * 1e6, 1) for name, m in medians.items()}
    common.report(
        "revision_lookup",
        args.engine,
        {
            "dataset": args.dataset,
            "rounds": args.rounds,
            "microseconds_per_call": per_call,
            "extra_per_304_us": {
                name: round(us - per_call["shared counter"], 1)
                for name, us in per_call.items()
                if name != "shared counter"
            },
        },
    )


if __name__ == "__main__":
    main()
