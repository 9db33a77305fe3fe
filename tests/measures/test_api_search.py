"""GET /api/v1/search/?q=: the search page's hits as JSON, documented."""

import pytest

from tests.api_helpers import assert_error, client, url
from tests.factories import EvidenceFactory
from tests.pages.helpers import plant_canary

pytestmark = pytest.mark.django_db

KINDS = ["measure", "country", "initiative", "source", "evidence"]


def search(user, q, **headers):
    return client(user).get(url("search/"), {"q": q}, **headers)


def group(body, kind):
    return next(g for g in body["groups"] if g["kind"] == kind)


def test_maroc_finds_morocco_with_its_page(users):
    response = search(users.reader, "Maroc")
    assert response.status_code == 200
    body = response.json()
    assert body["q"] == "Maroc"
    assert [g["kind"] for g in body["groups"]] == KINDS
    countries = group(body, "country")
    assert countries["count"] == 1
    assert countries["results"] == [
        {
            "key": "MA",
            "title": "Morocco",
            "detail": "MA · MAR",
            "url": "http://testserver/countries/MA/",
            "marking": None,
        }
    ]
    assert body["count"] == sum(g["count"] for g in body["groups"])


def test_hotline_finds_measure_13_first(users):
    measures = group(search(users.reader, "hotline").json(), "measure")
    assert measures["results"][0]["key"] == "13"
    assert measures["results"][0]["url"] == "http://testserver/measures/13/"


def test_titles_follow_the_request_language(users):
    body = search(users.reader, "Algerie", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert group(body, "country")["results"][0]["title"] == "Algérie"


def test_marked_hits_carry_their_marking_and_only_those_may_see_them(users):
    canary = plant_canary(users)
    hidden = search(users.reader, canary.text).json()
    assert hidden["count"] == 0 and all(g["results"] == [] for g in hidden["groups"])
    seen = group(search(users.moroccan_analyst, canary.text).json(), "evidence")
    assert seen["count"] == 1
    assert seen["results"][0]["key"] == str(canary.evidence.public_id)
    assert seen["results"][0]["marking"]["level"] == "confidential"
    assert seen["results"][0]["marking"]["releasable_to"] == ["MA"]


def test_counts_count_every_hit_and_list_the_first_fifty(users):
    for n in range(55):
        EvidenceFactory(summary_en=f"Wombat sighting {n:02d}")
    evidence = group(search(users.reader, "wombat").json(), "evidence")
    assert evidence["count"] == 55
    assert [r["title"] for r in evidence["results"]] == [
        f"Wombat sighting {n:02d}" for n in range(50)
    ]


@pytest.mark.parametrize("q", ["", "   ", "-- !", "x" * 101])
def test_an_empty_or_overlong_query_is_a_400_naming_q(users, q):
    assert_error(search(users.reader, q), 400, "q")


def test_a_missing_query_is_a_400_naming_q(users):
    assert_error(client(users.reader).get(url("search/")), 400, "q")


def test_anonymous_callers_are_refused(db):
    assert client().get(url("search/"), {"q": "Maroc"}).status_code in (401, 403)


def test_an_unchanged_search_answers_304(users):
    api = client(users.reader)
    first = api.get(url("search/"), {"q": "Maroc"})
    again = api.get(url("search/"), {"q": "Maroc"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    other = api.get(url("search/"), {"q": "Algerie"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200


def test_the_endpoint_is_in_the_openapi_schema(users):
    schema = client(users.reader).get(url("schema/"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert operation["operationId"] == "search"
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["q"]
    assert {"200", "400"} <= set(operation["responses"])
