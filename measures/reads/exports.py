"""Scorecards flattened to tables, for ``?format=csv``."""

from measures.reads.scorecards import COUNTED_LEVELS


def _trend(row):
    trend = row.get("trend")
    return [trend["compare_to"], trend["score"], trend["delta"]] if trend else []


def countries_table(card):
    trend = card.get("compare_to") is not None
    columns = [
        "country",
        "name_en",
        "score",
        "rated",
        "unrated",
        *COUNTED_LEVELS,
        "last_evidence_on",
    ]
    if "initiative" in card:
        columns.append("role")
    if trend:
        columns += ["compare_to", "score_then", "delta"]
    rows = []
    for row in card["results"]:
        line = [
            row["country"],
            row["name_en"],
            row["score"],
            row["rated"],
            row["unrated"],
            *(row["counts"][level] for level in COUNTED_LEVELS),
            row["last_evidence_on"],
        ]
        if "initiative" in card:
            line.append(row.get("role"))
        rows.append(line + _trend(row))
    return {"columns": columns, "rows": rows}


def country_table(card):
    columns = [
        "measure",
        "title_en",
        "scope",
        "partner",
        "level",
        "value",
        "effective_on",
        "evidence_count",
    ]
    rows = []
    for m in card["measures"]:
        rows.append(
            [
                m["measure"],
                m["title_en"],
                m["scope"],
                None,
                m["level"],
                m["value"],
                m["effective_on"],
                m["evidence_count"],
            ]
        )
        for pair in m.get("pairs", ()):
            rows.append(
                [
                    m["measure"],
                    m["title_en"],
                    m["scope"],
                    pair["partner"],
                    pair["level"],
                    None,
                    pair["effective_on"],
                    pair["evidence_count"],
                ]
            )
    return {"columns": columns, "rows": rows}


def measure_table(card):
    columns = ["country", "name_en", "partner", "level", "value", "effective_on", "evidence_count"]
    rows = []
    for r in card["results"]:
        rows.append(
            [
                r["country"],
                r["name_en"],
                None,
                r["level"],
                r["value"],
                r["effective_on"],
                r["evidence_count"],
            ]
        )
        for pair in r.get("pairs", ()):
            rows.append(
                [
                    r["country"],
                    r["name_en"],
                    pair["partner"],
                    pair["level"],
                    None,
                    pair["effective_on"],
                    pair["evidence_count"],
                ]
            )
    return {"columns": columns, "rows": rows}


def matrix_table(card):
    numbers = [m["number"] for m in card["measures"]]
    columns = ["country", "score", *(f"measure_{n}" for n in numbers)]
    rows = [[r["country"], r["score"], *(c["level"] for c in r["cells"])] for r in card["results"]]
    return {"columns": columns, "rows": rows}
