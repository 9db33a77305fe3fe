"""The search box in every page's header and the results page it leads to."""

import re

import pytest

from measures.models import Measure, SearchText
from tests.factories import EvidenceFactory, SourceFactory
from tests.pages.helpers import plant_canary, text

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}


@pytest.fixture
def reader(client, users):
    client.force_login(users.reader)
    return client


def result_links(response, kind):
    """The (href, text) of each hit listed under ``kind``."""
    html = response.content.decode()
    section = re.search(rf'<section id="results-{kind}".*?</section>', html, re.S)
    if section is None:
        return []
    return re.findall(r'<li><a href="([^"]+)">([^<]*)</a>', section.group(0))


@pytest.mark.parametrize("path", ["/", "/measures/", "/countries/MA/", "/sources/"])
def test_every_page_has_one_labelled_search_box_leading_to_the_results(reader, path):
    html = reader.get(path).content.decode()
    forms = re.findall(
        r'<form method="get" action="/search/" role="search"[^>]*>.*?</form>', html, re.S
    )
    assert len(forms) == 1
    assert '<label for="site-search-q"' in forms[0] and 'id="site-search-q" name="q"' in forms[0]


def test_maroc_finds_morocco_among_the_countries(reader):
    response = reader.get("/search/", {"q": "Maroc"})
    assert response.status_code == 200
    assert ("/countries/MA/", "Morocco") in result_links(response, "country")
    assert "Countries (1)" in text(response)


def test_hotline_finds_measure_13_first_among_the_measures(reader):
    hits = result_links(reader.get("/search/", {"q": "hotline"}), "measure")
    assert hits[0] == ("/measures/13/", "13. " + Measure.objects.get(number=13).title_en)


def test_accents_do_not_matter_either_way(reader):
    for q in ["Algerie", "algérie", "ALGÉRIE"]:
        assert ("/countries/DZ/", "Algeria") in result_links(
            reader.get("/search/", {"q": q}), "country"
        )


def test_codes_and_acronyms_are_found(reader):
    assert result_links(reader.get("/search/", {"q": "MAR"}), "country") == [
        ("/countries/MA/", "Morocco")
    ]
    initiatives = result_links(reader.get("/search/", {"q": "CEMOC"}), "initiative")
    assert "/initiatives/cemoc/" in [href for href, _ in initiatives]


def test_results_are_grouped_by_kind_with_counts_and_each_is_a_link(reader):
    response = reader.get("/search/", {"q": "Morocco"})
    page = text(response)
    summary = re.search(r"(\d+) results for “Morocco”", page)
    counts = {
        kind: int(n) for kind, n in re.findall(r"(Countries|Initiatives|Evidence) \((\d+)\)", page)
    }
    assert counts["Countries"] == 1 and counts["Evidence"] > 5
    assert int(summary.group(1)) >= sum(set(counts.values()))
    evidence = result_links(response, "evidence")
    assert len(evidence) == counts["Evidence"]
    assert all(href.startswith("/evidence/") for href, _ in evidence)


def test_sources_are_found_by_title(reader):
    source = SourceFactory(title="Annual review of Sahel border liaison")
    hits = result_links(reader.get("/search/", {"q": "border liaison review"}), "source")
    assert hits == [(f"/sources/{source.key}/", source.title)]


def test_titles_come_before_texts_then_names_in_order(reader):
    """Within a kind: found in a title before found in a text, then by name."""
    quote_only = EvidenceFactory(summary_en="Zebra crossing agreed", quote="a quokka spoke")
    in_summary_b = EvidenceFactory(summary_en="B quokka talks")
    in_summary_a = EvidenceFactory(summary_en="A quokka meeting")
    hits = [href for href, _ in result_links(reader.get("/search/", {"q": "quokka"}), "evidence")]
    assert hits == [
        f"/evidence/{in_summary_a.public_id}/",
        f"/evidence/{in_summary_b.public_id}/",
        f"/evidence/{quote_only.public_id}/",
    ]


def test_a_reader_never_meets_what_they_may_not_see(reader, users, client):
    canary = plant_canary(users)
    page = reader.get("/search/", {"q": canary.text})
    assert not any(result_links(page, kind) for kind in ("source", "evidence"))
    assert f"0 results for “{canary.text}”" in text(page)
    client.force_login(users.moroccan_analyst)
    seen = client.get("/search/", {"q": canary.text})
    assert canary.text in seen.content.decode()
    assert result_links(seen, "evidence") and result_links(seen, "source")


def test_the_page_in_french_reads_in_french(reader):
    response = reader.get("/search/", {"q": "Maroc"}, **FRENCH)
    page = text(response)
    assert ("/countries/MA/", "Maroc") in result_links(response, "country")
    assert "résultats pour « Maroc »" in page and "Rechercher" in page


@pytest.mark.parametrize(
    "q, message",
    [
        ("", "Type a word to search for."),
        ("  ?! ", "Type a word to search for."),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_an_empty_or_overlong_query_says_what_is_wrong(reader, q, message):
    response = reader.get("/search/", {"q": q})
    assert response.status_code == 400
    assert message in text(response)
    assert 'role="alert"' in response.content.decode()


def test_without_a_query_the_page_offers_the_form(reader):
    response = reader.get("/search/")
    assert response.status_code == 200
    assert (
        'id="search-page-q"' in response.content.decode()
        and 'role="alert"' not in response.content.decode()
    )


def test_anonymous_visitors_log_in_first(client):
    response = client.get("/search/", {"q": "Maroc"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_seed_leaves_the_index_complete():
    assert SearchText.objects.filter(kind="measure").count() == 20
    assert SearchText.objects.filter(kind="country").count() == 27
    assert SearchText.objects.count() == 20 + 27 + 26 + 14 + 68
