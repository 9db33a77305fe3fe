"""Load the seed data in fixtures/ idempotently: the bulk write path.

Rows are matched on their natural keys; a row is created when missing and
updated when a fixture value differs, so a second run writes nothing. The
whole load is one transaction under one revision, and every created or
changed row gets exactly one audit record, written in bulk at the end.
Assessments are append-only: an existing key is never rewritten.

One module per fixture file loads it (``regions``, ``countries``, …);
``seeder`` is the write path they share, ``reading`` reads the files.
"""

from ..audit.revisions import change
from ..services import create_missing_cells
from . import (
    assessments,
    countries,
    evidence,
    indicators,
    initiatives,
    measures,
    pairs,
    regions,
    sources,
)
from .reading import FILES, SeedError, read_fixtures
from .seeder import Seeder, SeedReport

__all__ = ["FILES", "SeedError", "SeedReport", "read_fixtures", "seed"]


def seed(directory, actor):
    """Load every fixture file in ``directory``; returns a SeedReport."""
    data = read_fixtures(directory)
    report = SeedReport()
    with change(actor, "Seed data loaded from fixtures") as current:
        seeder = Seeder(current, report)
        load(seeder, data)
        seeder.finish()
    return report


def load(seeder, data):
    """Each file after the files its entries name. Countries and initiatives
    come first without their citations, because the sources' markings name
    them (releasable to NATO and Morocco); the citations are filled in once
    the sources exist."""
    regions.load(seeder, data["regions"])
    countries.load(seeder, data["countries"])
    initiatives.load(seeder, data["initiatives"])
    sources.load(seeder, data["sources"])
    countries.load_citations(seeder, data["countries"])
    initiatives.load_citations(seeder, data["initiatives"])
    pairs.load(seeder, data["pairs"])
    measures.load(seeder, data["measures"])
    initiatives.load_links(seeder, data["initiatives"])
    add_missing_cells(seeder)
    evidence.load(seeder, data["evidence"])
    assessments.load(seeder, data["assessments"])
    indicators.load(seeder, data["indicators"])


def add_missing_cells(seeder):
    """The cells the measures, countries and pairs now call for."""
    cells = create_missing_cells(seeder.change)
    if cells:
        seeder.report.created["cells"] = len(cells)
