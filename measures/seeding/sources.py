"""fixtures/sources.yaml: the documents every fact cites."""

from ..models import Source
from .seeder import each


def load(seeder, entries):
    loaded = each("sources", entries, "key", lambda e: source(seeder, e))
    seeder.sources = {str(key): row for key, row in loaded.items()}


def source(seeder, e):
    return seeder.upsert(
        Source,
        {"key": str(e["key"])},
        {
            "file_name": e.get("file", ""),
            "title": e["title"],
            "author": e.get("author") or "",
            "publisher": e.get("publisher") or "",
            "published_on": e.get("published_on"),
            "published_precision": e.get("published_precision") or "",
            "language": e["language"],
            "url": e.get("url") or "",
            "description": e.get("description", ""),
            "marking": seeder.marking(e.get("marking")),
        },
    )
