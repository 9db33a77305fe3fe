"""Non-interference, for search: rows a viewer may not see, written to match
the viewer's queries, change nothing the viewer observes of the search page
(English and French) or of GET /api/v1/search/ — status, headers (ETags
included), bodies, counts and order.

The trap this guards: the search index holds every row, whatever its
marking, and a ranking that reads statistics over the whole index (FTS5's
``bm25()``: document frequencies, mean length) would let hidden rows move the
order of visible hits. The writes therefore aim at the ranking too: many
hidden items repeat the queries' words, in titles and texts, as evidence,
a source and an initiative, re-marked and retracted. Each write is shown to
reach the index (its rows match the query; a viewer cleared for them finds
them), and a public write on the same words does change what the viewers see.
Ranking the SQLite hits by ``bm25()`` instead fails this test ("quokka
wombat": two public items tie until hidden rows make "wombat" common).
"""

import datetime

import pytest
from django.test import Client

from countries.models import Initiative
from measures import services
from measures.audit.search_index import KIND_OF
from measures.models import SearchText, Source
from measures.reads import search as searching
from tests.api_helpers import client
from tests.factories import marking
from tests.security.test_non_interference import World, differences, response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
VIEWERS = ["reader", "restricted_reader", "nato_reader"]
# Words found in public rows (so the visible hits have an order to move) and
# one found only in what is written above the viewers.
QUERIES = [
    "hotline",
    "Morocco",
    "Maroc",
    "Algerie",
    "telephone hotline",
    "MAR",
    "nisearch",
    "quokka wombat",
]
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}


@pytest.fixture
def world(users):
    world = World(users)
    # Two public items alike but for which word they repeat: a ranking by
    # corpus statistics ties them until hidden rows make one word commoner.
    for summary in ["B quokka quokka wombat", "A quokka wombat wombat"]:
        evidence(world, Source.objects.get(key="000"), summary, marking("public"))
    return world


def observe(world, name):
    viewer = world.viewers[name]
    page = Client()
    page.force_login(viewer)
    api = client(viewer)
    seen = {}
    for q in QUERIES:
        seen[f"page en {q}"] = response_bytes(page.get("/search/", {"q": q}))
        seen[f"page fr {q}"] = response_bytes(page.get("/search/", {"q": q}, **FRENCH))
        first = api.get("/api/v1/search/", {"q": q})
        seen[f"api {q}"] = response_bytes(first)
        seen[f"api 304 {q}"] = response_bytes(
            api.get("/api/v1/search/", {"q": q}, HTTP_IF_NONE_MATCH=first["ETag"])
        )
    return seen


def evidence(world, source, summary, mark, **texts):
    return services.create_evidence(
        world.writer,
        source=source,
        occurred_on=D(2012, 3, 1),
        locator="p. 1",
        direction="supports",
        source_reliability="B",
        information_credibility="2",
        summary_en=summary,
        cells=[world.targets[0]],
        marking=mark,
        **texts,
    )


def hidden_writes(world, name):
    """Rows above ``name``'s head that match every query; returns them."""
    low, high = world.hidden_markings(name)
    writer = world.writer
    source = services.save_source(
        writer,
        Source(
            key="ni-search-source",
            title="Morocco telephone hotline ledger nisearch",
            language="en",
            published_on=D(2012, 1, 1),
            published_precision="year",
            marking=low,
        ),
    )
    written = [source]
    # Enough hidden documents on the same words to move any corpus statistic.
    for n in range(12):
        written.append(
            evidence(
                world,
                source,
                f"Morocco hotline nisearch {n} " + "hotline " * n,
                high if n % 2 else low,
                summary_fr="Maroc Algérie ligne nisearch",
                quote="telephone hotline MAR wombat " * (n + 1),
            )
        )
    services.remark_evidence(writer, written[1], high, expected_version=1)
    services.retract_evidence(writer, written[2], reason="ni- wrong", expected_version=1)
    written.append(
        services.save_reference(
            writer,
            Initiative(
                slug="ni-search-initiative",
                acronym="MAR",
                name_en="Morocco telephone hotline initiative nisearch",
                name_fr="Initiative Maroc Algérie nisearch",
                description_en="A hotline, a hotline, a telephone hotline.",
                kind=Initiative._meta.get_field("kind").choices[0][0],
                started_on=D(2012, 1, 1),
                start_precision="year",
                marking=low,
                cite_source=source,
                cite_locator="p. 1",
            ),
        )
    )
    return written


@pytest.mark.parametrize("name", VIEWERS)
def test_hidden_rows_matching_the_query_change_nothing_a_viewer_observes(world, name):
    before = observe(world, name)
    assert (
        b"/measures/13/" in before["api hotline"] and b"/countries/MA/" in before["page en Maroc"]
    )

    written = hidden_writes(world, name)

    after = observe(world, name)
    assert differences(before, after) == []
    # Aimed well: the hidden rows are in the index and match the queries...
    rows = {(KIND_OF[row._meta.label_lower], str(row.pk)) for row in written}
    assert set(SearchText.objects.values_list("kind", "key")) >= rows
    # ("quokka wombat" is aimed at through its commoner word: the hidden rows
    # lack "quokka", they only make "wombat" common.)
    for q in [*QUERIES[:-1], "wombat"]:
        assert rows & set(searching.matching(searching.words(q)).values_list("kind", "key")), q
    # ...and whoever is cleared for them finds every one.
    groups = {g.kind: g.count for g in searching.search(world.writer, "nisearch")}
    assert groups == {"measure": 0, "country": 0, "initiative": 1, "source": 1, "evidence": 12}


@pytest.mark.parametrize("name", VIEWERS)
def test_a_public_row_matching_the_query_does_change_what_they_observe(world, name):
    before = observe(world, name)

    evidence(
        world,
        Source.objects.get(key="000"),
        "Morocco tests the telephone hotline nisearch quokka wombat",
        marking("public"),
        summary_fr="Le Maroc essaie la ligne nisearch (Algerie)",
        quote="MAR",
    )

    changed = differences(before, observe(world, name))
    for q in QUERIES:
        assert {f"page en {q}", f"page fr {q}", f"api {q}"} <= set(changed), q
