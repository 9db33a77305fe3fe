"""fixtures/countries.yaml: the countries and their regions.

Loaded twice: first without citations, because the sources' markings name
countries (releasable to Morocco); then with them, once the sources exist.
"""

from countries.models import Country

from .reading import SeedError
from .seeder import each


def load(seeder, entries):
    """The countries and their regions, without citations."""
    seeder.countries = each("countries", entries, "iso2", lambda e: country(seeder, e))


def load_citations(seeder, entries):
    each("countries", entries, "iso2", lambda e: cited_country(seeder, e))


def country(seeder, e):
    key, values = {"iso2": e["iso2"]}, fields(e)
    regions = [seeder.regions[r] for r in known_regions(seeder, e)]
    return seeder.upsert(Country, key, values, {"regions": regions})


def cited_country(seeder, e):
    # The first pass has checked the regions.
    return seeder.upsert(Country, {"iso2": e["iso2"]}, {**fields(e), **seeder.cite(e)})


def fields(e):
    return {
        "iso3": e["iso3"],
        "name_en": e["name_en"],
        "name_fr": e["name_fr"],
        "name_ar": e.get("name_ar", ""),
    }


def known_regions(seeder, e):
    """The entry's region codes, refused if any is not in regions.yaml."""
    codes = e.get("regions") or ()
    unknown = set(codes) - set(seeder.regions)
    if unknown:
        raise SeedError(f"unknown region(s) {', '.join(sorted(unknown))}")
    return codes
