"""The change feed at a cursor 10^5 audit rows deep vs. its first page.

bench/prepare.py gives data set 200 a history of 10^5 small revisions (two
audit records each) after the synthetic bulk. "First page" starts just
before that history, "deep" 10^5 rows into it; both ask for ``limit=100``
and both return 100 rows. Goal: deep ≤ 1.5× first page. On PostgreSQL the
plan of the deep page's query is printed too (EXPLAIN ANALYZE).

    .venv/bin/python bench/feed.py --engine postgres [--rounds 11]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PATH = "/api/v1/changes/"
DEPTH = 100_000
LIMIT = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser)
    args = parser.parse_args()
    common.setup(args.engine, args.dataset)

    import orjson
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Min

    from measures.models import ChangeRecord
    from measures.reads.changes import FEED_EXCLUDED_MODELS

    first = ChangeRecord.objects.filter(message="bench feed").aggregate(r=Min("revision"))["r"]
    if first is None:
        raise SystemExit("no feed history: run bench/prepare.py --dataset 200 first")
    per_revision = ChangeRecord.objects.filter(revision=first).count()
    cursors = {"first_page": first - 1, "deep": first - 1 + DEPTH // per_revision}
    client = common.WSGI(common.api_token(common.ANALYST))
    results = {}

    def page(since):
        status, _, body = client.get(PATH, f"since={since}&limit={LIMIT}")
        assert status == 200, (status, body[:300])
        return body

    for name, since in cursors.items():
        data = orjson.loads(page(since))
        results[name] = {"since": since, "rows": len(data["results"]), "next": data["next"]}
    medians, _ = common.side_by_side(
        {name: lambda since=since: page(since) for name, since in cursors.items()}, args.rounds
    )
    explain = None
    if connection.vendor == "postgresql":
        analyst = get_user_model().objects.get(username=common.ANALYST)
        query = (
            ChangeRecord.objects.visible_to(analyst)
            .exclude(content_type__model__in=FEED_EXCLUDED_MODELS)
            .select_related("content_type")
            .order_by("revision", "id")
            .filter(revision__gt=cursors["deep"])[:LIMIT]
        )
        explain = query.explain(analyze=True).splitlines()
    result = {
        "dataset": args.dataset,
        "audit_rows": ChangeRecord.objects.count(),
        "depth_rows": DEPTH,
        "limit": LIMIT,
        "rounds": args.rounds,
        "pages": results,
        "first_page_ms": common.ms(medians["first_page"]),
        "deep_ms": common.ms(medians["deep"]),
        **common.goal(medians["deep"] / medians["first_page"], 1.5),
        "explain_deep": explain,
    }
    common.report("feed", args.engine, result)


if __name__ == "__main__":
    main()
