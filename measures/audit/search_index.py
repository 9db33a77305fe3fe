"""Keeping the search index (``SearchText``) in step with the searched rows.

``revisions.Change`` reports every row it records here when it flushes, so
the index moves in the same transaction as the write, on every path (pages,
API, admin, seed, synth, commands). ``rebuild`` redoes it all
(``manage.py rebuild_search_index``, and migration 0010 on existing data).
The functions read fields only, so the migration can pass its historical
models.
"""

import unicodedata

from django.apps import apps as django_apps
from django.contrib.postgres.search import SearchVector
from django.db import connection

# The searched models by kind, in the order results are shown.
SEARCHED = {
    "measure": "measures.Measure",
    "country": "countries.Country",
    "initiative": "countries.Initiative",
    "source": "measures.Source",
    "evidence": "measures.Evidence",
}
KIND_OF = {label.lower(): kind for kind, label in SEARCHED.items()}
# Rows read per statement when (re)indexing.
CHUNK = 1000

# PostgreSQL: titles, short titles, names and codes weigh A; descriptions,
# quotes weigh B. Each text is parsed with its language's configuration.
VECTOR = (
    SearchVector("title_en", config="english", weight="A")
    + SearchVector("title_fr", config="french", weight="A")
    + SearchVector("codes", config="simple", weight="A")
    + SearchVector("body_en", config="english", weight="B")
    + SearchVector("body_fr", config="french", weight="B")
)


def plain(text):
    """``text`` without accents ("Algérie" → "Algerie"): the index and the
    query are both stored and parsed so, on every backend."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _by_language(language, text):
    return {"en": "", "fr": text} if language == "fr" else {"en": text, "fr": ""}


def _measure(m):
    return {
        "sort_name": f"{m.number:05d}",
        "title_en": f"{m.title_en} {m.short_title_en}",
        "title_fr": f"{m.title_fr} {m.short_title_fr}",
        "codes": str(m.number),
        "body_en": m.description_en,
        "body_fr": m.description_fr,
    }


def _country(c):
    return {
        "sort_name": c.name_en,
        "title_en": c.name_en,
        "title_fr": c.name_fr,
        "codes": f"{c.iso2} {c.iso3}",
    }


def _initiative(i):
    return {
        "sort_name": i.name_en,
        "title_en": i.name_en,
        "title_fr": i.name_fr,
        "codes": f"{i.acronym} {i.slug}",
        "body_en": i.description_en,
        "body_fr": i.description_fr,
    }


def _source(s):
    title = _by_language(s.language, s.title)
    return {"sort_name": s.title, "title_en": title["en"], "title_fr": title["fr"], "codes": s.key}


def _evidence(e):
    # A quote is verbatim, in its source's language.
    quote = _by_language(e.source.language, e.quote)
    return {
        "sort_name": e.summary_en or e.summary_fr,
        "title_en": e.summary_en,
        "title_fr": e.summary_fr,
        "codes": e.key or "",
        "body_en": quote["en"],
        "body_fr": quote["fr"],
    }


DOCUMENTS = {
    "measure": _measure,
    "country": _country,
    "initiative": _initiative,
    "source": _source,
    "evidence": _evidence,
}
RELATED = {"evidence": ["source"]}


def _row(search_text, kind, obj):
    fields = {name: plain(value) for name, value in DOCUMENTS[kind](obj).items()}
    fields["sort_name"] = fields["sort_name"][:200]
    return search_text(kind=kind, key=str(obj.pk), **fields)


def _write(apps, kind, model, keys):
    """Index the rows of ``model`` with these primary keys; forget those gone."""
    search_text = apps.get_model("measures", "SearchText")
    rows = model._base_manager.filter(pk__in=keys).select_related(*RELATED.get(kind, []))
    search_text.objects.filter(kind=kind, key__in=[str(k) for k in keys]).delete()
    search_text.objects.bulk_create([_row(search_text, kind, obj) for obj in rows])
    if connection.vendor == "postgresql":
        search_text.objects.filter(kind=kind, key__in=[str(k) for k in keys]).update(vector=VECTOR)


def refresh(changed, apps=django_apps):
    """Re-index the changed rows: ``{model: {primary key, ...}}`` (others ignored)."""
    for model, keys in changed.items():
        kind = KIND_OF.get(model._meta.label_lower)
        if kind is None:
            continue
        keys = sorted(keys)
        for start in range(0, len(keys), CHUNK):
            _write(apps, kind, model, keys[start : start + CHUNK])


def is_searched(model):
    return model._meta.label_lower in KIND_OF


def rebuild(apps=django_apps):
    """Index every searched row afresh; returns the number of rows indexed."""
    apps.get_model("measures", "SearchText").objects.all().delete()
    for label in SEARCHED.values():
        model = apps.get_model(label)
        refresh({model: set(model._base_manager.values_list("pk", flat=True))}, apps)
    return apps.get_model("measures", "SearchText").objects.count()
