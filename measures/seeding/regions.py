"""fixtures/regions.yaml: the regions countries belong to."""

from countries.models import Region

from .seeder import each


def load(seeder, entries):
    seeder.regions = each("regions", entries, "code", lambda e: region(seeder, e))


def region(seeder, e):
    return seeder.upsert(
        Region, {"code": e["code"]}, {"name_en": e["name_en"], "name_fr": e["name_fr"]}
    )
