"""fixtures/measures.yaml: the measures, with their targets."""

from ..models import Measure
from .seeder import each


def load(seeder, entries):
    seeder.measures = each("measures", entries, "number", lambda e: measure(seeder, e))


def measure(seeder, e):
    target = e.get("target") or {}
    return seeder.upsert(
        Measure,
        {"number": e["number"]},
        {
            "title_en": e["title_en"],
            "title_fr": e["title_fr"],
            "short_title_en": e.get("short_title_en", ""),
            "short_title_fr": e.get("short_title_fr", ""),
            "description_en": e.get("description_en", ""),
            "description_fr": e.get("description_fr", ""),
            "domain": e["domain"],
            "scope": e["scope"],
            "baseline_value": target.get("baseline_value"),
            "baseline_on": target.get("baseline_on"),
            "baseline_precision": target.get("baseline_precision") or "",
            "target_value": target.get("target_value"),
            "unit": target.get("unit", ""),
            "unit_fr": target.get("unit_fr", ""),
            **seeder.cite(e),
        },
        on_create={"cadence_days": e["cadence_days"]},
    )
