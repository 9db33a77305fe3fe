"""fixtures/pairs.yaml: the country pairs that bilateral measures concern."""

from countries.models import CountryPair

from .reading import SeedError
from .seeder import each


def load(seeder, entries):
    each("pairs", entries, "pair", lambda e: pair(seeder, e))


def pair(seeder, e):
    a, b = e["pair"]
    if [a, b] != sorted([a, b]):
        raise SeedError(f"pair {a}–{b} is not in canonical (alphabetical) order")
    return seeder.upsert(
        CountryPair,
        {"country": seeder.country(a), "partner": seeder.country(b)},
        {"note": e.get("note", ""), "note_fr": e.get("note_fr", ""), **seeder.cite(e)},
    )
