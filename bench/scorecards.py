"""Scorecards, request → bytes, in process:

1. the 200 × 200 matrix end to end vs. the floor (one raw SQL query producing
   the same rows — the latest visible assessment of every cell — plus
   ``orjson.dumps``, in the same process) — goal ≤ 2.0×;
2. ``as_of`` vs. current, for the matrix and a country scorecard — goal ≤ 1.5×;
3. conditional GET (304) vs. the full response, for both — goal ≥ 5× faster,
   with no query beyond authentication and one revision lookup (the queries
   of the 304 are listed).

    .venv/bin/python bench/scorecards.py --engine postgres [--dataset 200] [--rounds 11]
"""

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

MATRIX = "/api/v1/scorecards/matrix/"
COUNTRY = "/api/v1/scorecards/countries/MA/"


def floor_query(vendor, marking_ids):
    """The latest visible, non-retracted assessment of every cell: the rows the
    matrix is made of, in the best single query each engine has — one index
    seek per cell (a LATERAL join on PostgreSQL, a correlated subquery on
    SQLite), with the viewer's marking ids inlined."""
    marks = ", ".join(str(int(pk)) for pk in marking_ids) or "NULL"
    latest = (
        "FROM measures_assessment a2 WHERE a2.cell_id = s.id AND a2.retracted = false "
        f"AND a2.marking_id IN ({marks}) "
        "ORDER BY a2.effective_on DESC, a2.recorded_at DESC, a2.id DESC LIMIT 1"
    )
    columns = "s.country_id, s.partner_id, m.number, a.level, a.effective_on"
    cells = "FROM measures_cell s JOIN measures_measure m ON m.id = s.measure_id"
    if vendor == "postgresql":
        lateral = f"CROSS JOIN LATERAL (SELECT a2.level, a2.effective_on {latest}) a"
        return f"SELECT {columns} {cells} {lateral}"
    return f"SELECT {columns} {cells} JOIN measures_assessment a ON a.id = (SELECT a2.id {latest})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser)
    args = parser.parse_args()
    common.setup(args.engine, args.dataset)

    import orjson
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from countries.models import Country
    from measures.access import viewer_for, visible_markings
    from measures.models import Assessment, Measure

    token = common.api_token(common.ANALYST)
    client = common.WSGI(token)
    analyst = get_user_model().objects.get(username=common.ANALYST)
    marking_ids = list(visible_markings(viewer_for(analyst)).values_list("pk", flat=True))
    sql = floor_query(connection.vendor, marking_ids)
    as_of = (datetime.date.today() - datetime.timedelta(days=5 * 365)).isoformat()

    def fetch(path, query="", headers=None, expect=200):
        status, response_headers, body = client.get(path, query, headers)
        assert status == expect, (path, query, status, body[:300])
        return response_headers, body

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        return orjson.dumps(rows)

    sizes = {
        "countries": Country.objects.count(),
        "measures": Measure.objects.count(),
        "assessments": Assessment.objects.count(),
    }
    _, matrix_body = fetch(MATRIX)
    floor_rows = len(orjson.loads(floor()))
    matrix = orjson.loads(matrix_body)
    cells = sum(len(row["cells"]) for row in matrix["results"])
    rounds = args.rounds
    result = {"dataset": args.dataset, "sizes": sizes, "rounds": rounds}

    # 1. matrix vs floor
    medians, samples = common.side_by_side(
        {"matrix": lambda: fetch(MATRIX), "floor": floor}, rounds
    )
    result["matrix_vs_floor"] = {
        "matrix_ms": common.ms(medians["matrix"]),
        "floor_ms": common.ms(medians["floor"]),
        "matrix_bytes": len(matrix_body),
        "matrix_cells": cells,
        "floor_rows": floor_rows,
        **common.goal(medians["matrix"] / medians["floor"], 2.0),
        "samples_ms": {k: [common.ms(t) for t in v] for k, v in samples.items()},
    }

    # 2. as_of vs current
    for name, path in (("matrix", MATRIX), ("country", COUNTRY)):
        medians, _ = common.side_by_side(
            {
                "current": lambda path=path: fetch(path),
                "as_of": lambda path=path: fetch(path, f"as_of={as_of}"),
            },
            rounds,
        )
        result[f"as_of_vs_current_{name}"] = {
            "as_of": as_of,
            "current_ms": common.ms(medians["current"]),
            "as_of_ms": common.ms(medians["as_of"]),
            **common.goal(medians["as_of"] / medians["current"], 1.5),
        }

    # 3. 304 vs full
    for name, path in (("matrix", MATRIX), ("country", COUNTRY)):
        headers, body = fetch(path)
        etag = headers["ETag"]
        medians, _ = common.side_by_side(
            {
                "full": lambda path=path: fetch(path),
                "not_modified": lambda path=path, etag=etag: fetch(
                    path, headers={"If-None-Match": etag}, expect=304
                ),
            },
            rounds,
        )
        with CaptureQueriesContext(connection) as queries:
            fetch(path, headers={"If-None-Match": etag}, expect=304)
        with CaptureQueriesContext(connection) as full_queries:
            fetch(path)
        result[f"not_modified_vs_full_{name}"] = {
            "full_ms": common.ms(medians["full"]),
            "not_modified_ms": common.ms(medians["not_modified"]),
            "full_bytes": len(body),
            **common.goal(medians["full"] / medians["not_modified"], 5.0, at_most=False),
            "queries_304": len(queries.captured_queries),
            "queries_full": len(full_queries.captured_queries),
            "sql_304": [q["sql"][:160] for q in queries.captured_queries],
        }
    common.report("scorecards", args.engine, result)


if __name__ == "__main__":
    main()
