"""Synthetic scale data for benchmarks: many countries, measures, years.

Deterministic for a given seed. Written through the bulk path the seed uses:
one transaction, one revision, one audit record per row, inserted in batches
(the audit records too, so memory stays flat however many rows are made).
"""

import datetime
import itertools
import random
import string

from countries.models import Country, CountryPair, Region
from measures.choices import Action, Domain, Level, Scope

from ..audit.revisions import change, snapshot
from ..models import Assessment, Cell, Evidence, Marking, Measure, Source
from ..services import create_missing_cells

BATCH = 5000
LEVELS = [
    Level.NOT_STARTED,
    Level.UNDER_DISCUSSION,
    Level.AGREED,
    Level.PARTIAL,
    Level.IMPLEMENTED,
    Level.SUSPENDED,
]


def _unused_codes(length, taken, count):
    codes = ("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=length))
    return list(itertools.islice((c for c in codes if c not in taken), count))


def synthesise(actor, *, countries, measures, years, evidence, seed=1, progress=None):
    """Bring the database up to the given sizes with synthetic rows."""
    rng = random.Random(seed)
    progress = progress or (lambda stage, done, total: None)
    with change(actor, f"Synthetic data (seed {seed})") as current:

        def audited(objects, links=None):
            for i, obj in enumerate(objects):
                marking = getattr(obj, "marking", None)
                current.record(
                    obj,
                    Action.CREATE,
                    after=snapshot(obj, links[i] if links else {}),
                    marking=marking,
                )
            current.flush()

        existing = set(Country.objects.values_list("pk", flat=True))
        needed = max(0, countries - len(existing))
        iso2 = _unused_codes(2, existing, needed)
        iso3 = _unused_codes(3, set(Country.objects.values_list("iso3", flat=True)), needed)
        new_countries = Country.objects.bulk_create(
            [
                Country(iso2=a, iso3=b, name_en=f"Synthland {a}", name_fr=f"Synthie {a}")
                for a, b in zip(iso2, iso3, strict=True)
            ]
        )
        audited(new_countries)
        region = Region.objects.filter(code="sahel").first()
        if region is not None:
            Country.regions.through.objects.bulk_create(
                [
                    Country.regions.through(country_id=c.pk, region_id=region.pk)
                    for c in new_countries
                ]
            )
        ordered = sorted(c.pk for c in new_countries)
        pairs = CountryPair.objects.bulk_create(
            [CountryPair(country_id=a, partner_id=b) for a, b in itertools.pairwise(ordered)]
        )
        audited(pairs)
        top = Measure.objects.order_by("-number").values_list("number", flat=True).first() or 0
        new_measures = Measure.objects.bulk_create(
            [
                Measure(
                    number=n,
                    title_en=f"Synthetic measure {n}",
                    title_fr=f"Mesure synthétique {n}",
                    domain=rng.choice(Domain.values),
                    scope=Scope.BILATERAL
                    if n % 10 == 0
                    else rng.choice([Scope.NATIONAL, Scope.REGIONAL]),
                )
                for n in range(top + 1, measures + 1)
            ]
        )
        audited(new_measures)
        create_missing_cells(current)
        current.flush()
        progress("reference data", 1, 1)

        markings = [Marking.objects.public()] * 7 + [
            Marking.objects.resolve("restricted"),
            Marking.objects.resolve("confidential"),
            Marking.objects.resolve("confidential", ["MA"]),
        ]
        source = Source.objects.filter(key="synthetic").first()
        if source is None:
            source = Source.objects.create(
                key="synthetic", title="Synthetic data", language="en", marking=markings[0]
            )
            audited([source])
        # Loaded whole: each audit record's repr names the cell and its measure.
        cell_rows = Cell.objects.select_related("measure", "country", "partner").in_bulk()
        cells = list(cell_rows)
        start = datetime.date.today().replace(month=1, day=1) - datetime.timedelta(days=365 * years)
        span = 365 * years

        for offset in range(0, evidence, BATCH):
            batch = [
                Evidence(
                    occurred_on=start + datetime.timedelta(days=rng.randrange(span)),
                    summary_en=f"Synthetic fact {offset + i}",
                    locator="p. 1",
                    source=source,
                    direction=rng.choice(["supports", "undermines"]),
                    source_reliability=rng.choice("ABCDEF"),
                    information_credibility=rng.choice("123456"),
                    marking=rng.choice(markings),
                    created_by=actor,
                )
                for i in range(min(BATCH, evidence - offset))
            ]
            Evidence.objects.bulk_create(batch)
            links = [[rng.choice(cells)] for _ in batch]
            Evidence.cells.through.objects.bulk_create(
                [
                    Evidence.cells.through(evidence_id=e.pk, cell_id=c)
                    for e, cs in zip(batch, links, strict=True)
                    for c in cs
                ]
            )
            audited(batch, [{"cells": cs, "initiatives": []} for cs in links])
            progress("evidence", offset + len(batch), evidence)

        revision = current.take_revision()
        per_cell = max(1, round(years * 2.5))
        total = len(cells) * per_cell
        made = 0
        for chunk_start in range(0, len(cells), max(1, BATCH // per_cell)):
            chunk = cells[chunk_start : chunk_start + max(1, BATCH // per_cell)]
            batch = []
            for cell_id in chunk:
                level = rng.randrange(len(LEVELS))
                for day in sorted(rng.sample(range(span), per_cell)):
                    level = max(0, min(len(LEVELS) - 1, level + rng.choice((-1, 0, 1, 1))))
                    batch.append(
                        Assessment(
                            cell=cell_rows[cell_id],
                            level=LEVELS[level],
                            effective_on=start + datetime.timedelta(days=day),
                            rationale_en="Synthetic.",
                            marking=rng.choice(markings),
                            recorded_by=actor,
                            revision=revision,
                        )
                    )
            Assessment.objects.bulk_create(batch)
            audited(batch, [{"evidence": []}] * len(batch))
            made += len(batch)
            progress("assessments", made, total)
    return current.revision
