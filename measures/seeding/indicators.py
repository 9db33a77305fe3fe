"""fixtures/indicators.yaml: the indicators and their observations."""

from ..models import Indicator, Observation
from .seeder import each, field_value


def load(seeder, entries):
    each("indicators", entries, "slug", lambda e: indicator(seeder, e))


def indicator(seeder, e):
    number = e.get("measure")
    measure = seeder.measure(number) if number is not None else None
    row = seeder.upsert(
        Indicator,
        {"slug": e["slug"]},
        {
            "name_en": e["name_en"],
            "name_fr": e["name_fr"],
            "unit": e["unit"],
            "unit_fr": e.get("unit_fr", ""),
            "description_en": e.get("description_en", ""),
            "description_fr": e.get("description_fr", ""),
            "measure": measure,
            **seeder.cite(e),
        },
    )
    for o in e.get("observations") or ():
        observation(seeder, e, row, o)
    return row


def observation(seeder, e, indicator, o):
    return seeder.upsert(
        Observation,
        {
            "indicator": indicator,
            "country": seeder.country(o.get("country")),
            "observed_on": field_value(Observation, "observed_on", o["on"]),
        },
        {
            "precision": o.get("precision", "year"),
            "value": o["value"],
            "note": o.get("note") or "",
            "note_fr": o.get("note_fr") or "",
            **seeder.cite(o if "cite" in o else e),
        },
    )
