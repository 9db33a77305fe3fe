"""Count, per fixture file, the rows that cite a seed at a locator, the rows
cited to an outside public document, and the rows that cite nothing.

``python -m measures.seeding.citations [fixtures/]`` prints the table that
docs/data.md reproduces; tests/measures/test_fixture_citations.py holds the
fixtures to it (every row cited, at a locator, to a known source).

A *row* is one stated fact the seed loads: a source, region, country, pair,
measure, initiative, membership, carried measure, evidence item, assessment,
indicator or observation. A membership or a carried measure without its own
``cite`` inherits its initiative's, as the loader does; an observation
inherits its indicator's.
"""

import sys
from collections import OrderedDict
from pathlib import Path

if __name__ == "__main__":  # run as ``python -m measures.seeding.citations``
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbm_tracker.settings.local")
    django.setup()

from .reading import FILES, read_fixtures  # noqa: E402

SEEDS = frozenset({"000", "001", "002", "003", "004"})


def _rows(name, entry):
    """(label, cite) for each fact an entry of fixture file ``name`` states."""
    if name == "evidence":
        yield entry["key"], {"source": entry.get("source"), "locator": entry.get("locator")}
        return
    label = str(
        entry.get("key")
        or entry.get("slug")
        or entry.get("iso2")
        or entry.get("code")
        or entry.get("number")
        or entry.get("pair")
    )
    cite = entry.get("cite") or {}
    yield label, cite
    if name == "initiatives":
        for m in entry.get("memberships") or ():
            yield f"{label}/{m['country']}/{m['role']}", m.get("cite") or cite
        for c in entry.get("measures") or ():
            yield f"{label}/measure {c['number']}", c.get("cite") or cite
    if name == "indicators":
        for o in entry.get("observations") or ():
            yield f"{label}/{o.get('country')}/{o.get('on')}", o.get("cite") or cite


def classify(cite, outside):
    source = str(cite.get("source")) if cite and cite.get("source") is not None else None
    if not source or not str(cite.get("locator") or "").strip():
        return "uncited"
    if source in SEEDS:
        return "seed"
    if source in outside:
        return "outside"
    return "uncited"


def audit(directory):
    """{file: {"rows": n, "seed": n, "outside": n, "uncited": [labels]}}."""
    data = read_fixtures(directory)
    outside = {str(s["key"]) for s in data["sources"]} - SEEDS
    report = OrderedDict()
    for name in FILES:
        counts = {"rows": 0, "seed": 0, "outside": 0, "uncited": []}
        for entry in data[name]:
            for label, cite in _rows(name, entry):
                counts["rows"] += 1
                kind = classify(cite, outside)
                if kind == "uncited":
                    counts["uncited"].append(label)
                else:
                    counts[kind] += 1
        report[name] = counts
    return report


def table(report):
    lines = [
        "| file | rows | supported by a seed at a locator | cited to an outside source | uncited |",
        "|---|---:|---:|---:|---:|",
    ]
    total = {"rows": 0, "seed": 0, "outside": 0, "uncited": 0}
    for name, c in report.items():
        lines.append(
            f"| `{name}.yaml` | {c['rows']} | {c['seed']} | {c['outside']} | {len(c['uncited'])} |"
        )
        for key in ("rows", "seed", "outside"):
            total[key] += c[key]
        total["uncited"] += len(c["uncited"])
    lines.append(
        f"| **total** | **{total['rows']}** | **{total['seed']}** | **{total['outside']}** "
        f"| **{total['uncited']}** |"
    )
    share = 100 * (total["seed"] + total["outside"]) / total["rows"] if total["rows"] else 0
    return "\n".join(lines), share


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    directory = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "fixtures"
    text, share = table(audit(directory))
    print(text)
    print(f"\nsupported or cited: {share:.1f} %")


if __name__ == "__main__":  # pragma: no cover - a command-line entry point
    main()
