"""The search index: one row of searchable text per measure, country,
initiative, source and item of evidence.

The rows hold text only, never a marking: who may see a hit is decided by
the searched model's own ``visible_to`` queryset at query time
(``measures.reads.search``). Texts are stored without accents, so that
"Algerie" finds "Algérie" on every backend. ``measures.audit.search_index``
keeps the rows in step with every write (through ``revisions.Change``).

Each backend matches its own way, set up by migration 0010: PostgreSQL
through ``vector`` (weighted, 'english' / 'french' / 'simple' parts, GIN
index), SQLite through an FTS5 table over these columns that triggers keep
in step. On SQLite ``vector`` stays empty.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchText(models.Model):
    kind = models.CharField(max_length=16)
    # The searched row's primary key, as text (countries are keyed by ISO code).
    key = models.CharField(max_length=64)
    # The tie-break after kind and rank: the row's English name.
    sort_name = models.CharField(max_length=200)
    title_en = models.TextField(blank=True)
    title_fr = models.TextField(blank=True)
    # Codes and acronyms: matched word for word ('simple'), ranked as titles.
    codes = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    body_fr = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="searchtext_one_per_row"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key}"
