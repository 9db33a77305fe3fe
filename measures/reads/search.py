"""Search across measures, countries, initiatives, sources and evidence.

Matching reads the search index (``SearchText``, kept in step by
``measures.audit.search_index``); what is found is then narrowed to the rows
the viewer may see through each model's ``visible_to`` queryset, so counts
and hits come from visible rows only.

Order, within each kind: rank, then name. The rank depends on the document
and the query alone — PostgreSQL's ``ts_rank`` (no corpus statistics), and on
SQLite "found in a title, name or code" before "found in a text" — never on
statistics over the whole table (FTS5's ``bm25()`` would let a hidden row
move a reader's order).
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, CharField, F, FloatField, IntegerField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from countries.models import Country, Initiative
from measures.access import viewer_for
from measures.audit.search_index import plain
from measures.models import Evidence, Measure, SearchText, Source

from .labels import localized

# Longer queries are refused: nobody types them, and each word costs a match.
MAX_QUERY_LENGTH = 100
# Hits listed per kind (all are counted).
LIMIT = 50

KIND_LABELS = {
    "measure": _("Measures"),
    "country": _("Countries"),
    "initiative": _("Initiatives"),
    "source": _("Sources"),
    "evidence": _("Evidence"),
}


class BadQuery(ValueError):
    """The query cannot be searched; the message says why, for the reader."""


@dataclass(frozen=True)
class Hit:
    key: str  # what names the row in URLs: number, ISO code, slug, key, public id
    title: str
    detail: str
    url: str
    marking: object = None


@dataclass
class Group:
    kind: str
    label: str
    count: int
    hits: list = field(default_factory=list)


def words(q):
    """The query's words, without accents; ``BadQuery`` when there is nothing
    to search or too much."""
    q = q or ""
    # Both limits are the ones the API's schema states (measures/api/search.py),
    # so that a query is refused exactly when the schema says it is invalid:
    # the length as sent, and a letter or digit of the ASCII \w (an accented
    # word still has one: "Égypte").
    if len(q) > MAX_QUERY_LENGTH:
        raise BadQuery(_("Search for at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH})
    if not re.search(r"\w", q, re.ASCII):
        raise BadQuery(_("Type a word to search for."))
    return re.findall(r"\w+", plain(q.strip()).lower())


def _matching_postgres(terms):
    text = " ".join(terms)
    query = (
        SearchQuery(text, config="english")
        | SearchQuery(text, config="french")
        | SearchQuery(text, config="simple")
    )
    return SearchText.objects.filter(vector=query).annotate(rank=SearchRank(F("vector"), query))


def _fts(expression):
    return RawSQL(
        "SELECT rowid FROM measures_searchtext_fts WHERE measures_searchtext_fts MATCH %s",
        [expression],
    )


def _matching_sqlite(terms):
    # Words are \w+ runs, so quoting each makes a valid FTS5 query (all words must occur).
    expression = " ".join(f'"{t}"' for t in terms)
    in_title = _fts(f"{{title_en title_fr codes}} : ({expression})")
    return SearchText.objects.filter(id__in=_fts(expression)).annotate(
        rank=Case(
            When(id__in=in_title, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
        )
    )


def matching(terms):
    """Index rows matching every word, each with its per-document ``rank``."""
    if connection.vendor == "postgresql":
        return _matching_postgres(terms)
    return _matching_sqlite(terms)


def _visible(kind, user):
    if kind == "measure":
        return Measure.objects.all() if viewer_for(user).can_read else Measure.objects.none()
    if kind == "country":
        return Country.objects.all() if viewer_for(user).can_read else Country.objects.none()
    if kind == "initiative":
        return Initiative.objects.visible_to(user).select_related("marking")
    if kind == "source":
        return Source.objects.visible_to(user).select_related("marking")
    return Evidence.objects.visible_to(user).select_related("marking", "source")


def _hit(kind, obj):
    if kind == "measure":
        title = f"{obj.number}. {localized(obj, 'title')}"
        return Hit(
            str(obj.number),
            title,
            localized(obj, "short_title"),
            reverse("measure", args=[obj.number]),
        )
    if kind == "country":
        detail = f"{obj.iso2} · {obj.iso3}"
        return Hit(obj.iso2, localized(obj, "name"), detail, reverse("country", args=[obj.iso2]))
    if kind == "initiative":
        url = reverse("initiative", args=[obj.slug])
        return Hit(obj.slug, localized(obj, "name"), obj.acronym, url, obj.marking)
    if kind == "source":
        return Hit(obj.key, obj.title, obj.author, reverse("source", args=[obj.key]), obj.marking)
    url = reverse("evidence", args=[obj.public_id])
    return Hit(str(obj.public_id), localized(obj, "summary"), obj.source.title, url, obj.marking)


def _narrowed(hits, visible):
    """The index rows of ``hits`` naming a row of ``visible``."""
    if connection.vendor == "sqlite":
        # Comparing the key itself lets SQLite's planner drive the (kind, key)
        # index from both IN lists at once — every match × every visible row;
        # a cast key makes it walk the matches and look the visible rows up.
        is_text = isinstance(visible.model._meta.pk, CharField)
        return hits.annotate(
            row_pk=Cast("key", output_field=CharField() if is_text else IntegerField())
        ).filter(row_pk__in=visible.values("pk"))
    return hits.filter(
        key__in=visible.annotate(search_key=Cast("pk", output_field=CharField())).values(
            "search_key"
        )
    )


def search(user, q):
    """The hits for ``q`` that ``user`` may see: one ``Group`` per kind (all
    kinds, in a fixed order, empty ones included), each with its count and
    its first ``LIMIT`` hits. Raises ``BadQuery``."""
    found = matching(words(q))
    groups = []
    for kind, label in KIND_LABELS.items():
        visible = _visible(kind, user)
        hits = _narrowed(found.filter(kind=kind), visible)
        top = list(hits.order_by("-rank", "sort_name", "key").values_list("key", flat=True)[:LIMIT])
        rows = {str(obj.pk): obj for obj in visible.filter(pk__in=top)}
        groups.append(
            Group(kind, label, hits.count(), [_hit(kind, rows[key]) for key in top if key in rows])
        )
    return groups
