"""Which feed records a webhook's filter keeps.

The filter reads the records as they are published for the owner (handles
only), so it can match nothing the owner may not see. Within a list any
entry matches (countries MA or DZ); across lists all must (MA *and*
measure 3); an empty list does not filter. A record about no country at all
(a source) never matches a country filter. A removal record (``"drop"``)
passes whatever the countries, measures and initiatives: it may name a row
the receiver holds, and it names nothing more than its handle.
"""

from measures.choices import Action
from measures.models import Cell

# The record types of the change feed a filter may name.
TYPES = (
    "assessment",
    "evidence",
    "source",
    "cell",
    "measure",
    "carriedmeasure",
    "country",
    "countrypair",
    "region",
    "initiative",
    "membership",
    "indicator",
    "observation",
    "reply",
)
KINDS = frozenset(TYPES) | {f"{t}.{a}" for t in TYPES for a in Action.values}

COUNTRY_KEYS = ("country", "partner")
INITIATIVE_KEYS = ("initiative", "initiatives")
CELL_KEYS = ("cell", "cells")


def _values(record, keys):
    found = set()
    for snapshot in (record.get("before"), record.get("after")):
        for key in keys:
            value = (snapshot or {}).get(key)
            if isinstance(value, list):
                found.update(v for v in value if v is not None)
            elif value is not None:
                found.add(value)
    return found


def concerns(record, cells):
    """(countries, measure numbers, initiative slugs) a record is about;
    ``cells`` maps a cell id to its (measure number, country, partner)."""
    countries = _values(record, COUNTRY_KEYS)
    measures = {int(m) for m in _values(record, ("measure",)) if str(m).isdigit()}
    initiatives = _values(record, INITIATIVE_KEYS)
    own = {"country": countries, "measure": measures, "initiative": initiatives}
    if record["type"] in own and record.get("object_id") is not None:
        key = record["object_id"]
        own[record["type"]].add(int(key) if record["type"] == "measure" else key)
    cell_ids = _values(record, CELL_KEYS)
    if record["type"] == "cell" and record.get("object_id") is not None:
        cell_ids.add(record["object_id"])
    for cell_id in cell_ids:
        number, country, partner = cells.get(str(cell_id), (None, None, None))
        measures.add(number)
        countries.update({country, partner})
    return countries - {None}, measures - {None}, initiatives


def cells_of(records):
    """One query: the cells the records name, as (measure number, country, partner)."""
    ids = set()
    for record in records:
        ids.update(_values(record, CELL_KEYS))
        if record["type"] == "cell" and record.get("object_id") is not None:
            ids.add(record["object_id"])
    wanted = [int(i) for i in ids if str(i).isdigit()]
    rows = Cell.objects.filter(pk__in=wanted).values_list(
        "pk", "measure__number", "country_id", "partner_id"
    )
    return {str(pk): (number, country, partner) for pk, number, country, partner in rows}


class Filter:
    def __init__(self, countries=(), measures=(), initiatives=(), kinds=()):
        self.countries = frozenset(countries)
        self.measures = frozenset(measures)
        self.initiatives = frozenset(initiatives)
        self.kinds = frozenset(kinds)

    @classmethod
    def of(cls, hook):
        return cls(
            [c.pk for c in hook.countries.all()],
            [m.number for m in hook.measures.all()],
            [i.slug for i in hook.initiatives.all()],
            hook.kinds,
        )

    def keep(self, records):
        cells = cells_of(records) if self.countries or self.measures else {}
        return [r for r in records if self.matches(r, cells)]

    def matches(self, record, cells):
        if self.kinds and not (
            record["type"] in self.kinds or f"{record['type']}.{record['action']}" in self.kinds
        ):
            return False
        if record.get("drop"):
            return True
        if not (self.countries or self.measures or self.initiatives):
            return True
        countries, measures, initiatives = concerns(record, cells)
        return all(
            not wanted or wanted & found
            for wanted, found in (
                (self.countries, countries),
                (self.measures, measures),
                (self.initiatives, initiatives),
            )
        )
