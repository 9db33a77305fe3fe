"""A canary: confidential evidence releasable to Morocco, and an assessment resting
on it that raises cell 6·MA from partial to implemented. Nothing of it may reach
a caller who may not see it — no list, detail, scorecard (JSON or CSV) or
change-feed response — and their scorecards must be computed without it."""

import csv
import io

import pytest

from tests.api_helpers import (
    LISTS,
    SCORECARDS,
    assert_error,
    client,
    feed_cursor,
    url,
)
from tests.canaries import moroccan_canary

pytestmark = pytest.mark.django_db

# Every read that could carry it: lists (also searched and filtered for it),
# scorecards in JSON and CSV, with history and trend, and the change feed.
READS = [
    *(f"{name}/?page_size=1000" for name in LISTS),
    "evidence/?page_size=1000&q=CANARY",
    "evidence/?page_size=1000&country=MA&measure=6",
    "assessments/?page_size=1000&country=MA&measure=6",
    "cells/?page_size=1000&level=implemented",
    *SCORECARDS,
    *(f"{path}?format=csv" for path in SCORECARDS),
    "scorecards/countries/?as_of=2013-06-01&compare_to=2011-01-01",
    "scorecards/countries/MA/?compare_to=2011-01-01&format=csv",
    "scorecards/matrix/?country=MA&measure=6",
    "scorecards/measures/6/?country=MA&format=csv",
]


@pytest.fixture(params=["reader", "anonymous", "french_analyst"])
def outsider(request, users, settings):
    """Someone who may not see the canary: a public reader, an anonymous
    visitor under CBM_PUBLIC_READ, a cleared analyst it is not releasable to."""
    if request.param == "anonymous":
        settings.CBM_PUBLIC_READ = True
        return client()
    return client(getattr(users, request.param))


def read_all(api, since):
    responses = {}
    for path in [*READS, f"changes/?since={since}&limit=1000"]:
        response = api.get(url(path))
        assert response.status_code == 200, (path, response.content[:300])
        responses[path.replace(f"since={since}", "since=…")] = response
    return responses


def comparable(path, response):
    """The body, and the ETag: it derives only from what the caller may see."""
    if "format=csv" in path:
        return response.content.decode(), response.get("ETag")
    return response.json(), response.get("ETag")


def test_the_canary_never_reaches_a_caller_who_may_not_see_it(outsider, users):
    since = feed_cursor()
    before = {path: comparable(path, r) for path, r in read_all(outsider, since).items()}
    canary = moroccan_canary(users)
    after = read_all(outsider, since)

    for path, response in after.items():
        assert canary.text.encode() not in response.content, path
        # Everything reads exactly as before the canary was written.
        assert comparable(path, response) == before[path], path

    assessments = outsider.get(url("assessments/"), {"page_size": 1000}).json()["results"]
    assert str(canary.assessment.public_id) not in {a["id"] for a in assessments}
    evidence = outsider.get(url("evidence/"), {"page_size": 1000}).json()["results"]
    assert str(canary.evidence.public_id) not in {e["id"] for e in evidence}
    assert_error(outsider.get(url(f"assessments/{canary.assessment.public_id}/")), 404)
    assert_error(outsider.get(url(f"evidence/{canary.evidence.public_id}/")), 404)
    # The cell's version and ETag did not move for the outsider either.
    cell_now = outsider.get(url(f"cells/{canary.cell.pk}/"))
    assert cell_now.json()["version"] == 2  # the seed's one public assessment
    assert_error(outsider.get(url(f"sources/{canary.evidence.source.key}/")), 404)
    feed = after["changes/?since=…&limit=1000"].json()
    assert feed["results"] == [] and feed["next"] == since


def test_an_outsiders_scorecards_show_the_level_computed_without_the_canary(outsider, users):
    moroccan_canary(users)
    card = outsider.get(url("scorecards/countries/MA/")).json()
    m6 = next(m for m in card["measures"] if m["measure"] == 6)
    assert (m6["level"], m6["value"], m6["effective_on"]) == ("partial", 0.75, "2010-01-01")
    # 5 partial .75, 6 partial .75, 18 under discussion .25; not started (0): 1, 7,
    # 10, 11, 13 (its pairs with DZ and MR), 15, 16, 17, 19, 20 — 13 rated in all.
    assert (card["score"], card["rated"]) == (round(1.75 / 13, 4), 13)
    rows = outsider.get(url("cells/"), {"measure": 6, "country": "MA"}).json()["results"]
    assert [s["level"] for s in rows] == ["partial"]
    rows = csv_rows(outsider.get(url("scorecards/countries/"), {"format": "csv"}))
    assert rows["MA"]["score"] == str(round(1.75 / 13, 4)) and rows["MA"]["implemented"] == "0"
    measure = csv_rows(outsider.get(url("scorecards/measures/6/"), {"format": "csv"}))
    assert measure["MA"]["level"] == "partial"
    matrix = outsider.get(url("scorecards/matrix/"), {"country": "MA", "measure": 6}).json()
    assert matrix["results"][0]["cells"][0]["level"] == "partial"


def test_a_moroccan_analyst_sees_the_canary_and_the_level_it_sets(users):
    since = feed_cursor()
    canary = moroccan_canary(users)
    api = client(users.moroccan_analyst)
    card = api.get(url("scorecards/countries/MA/")).json()
    m6 = next(m for m in card["measures"] if m["measure"] == 6)
    assert (m6["level"], m6["value"], m6["effective_on"]) == ("implemented", 1.0, "2013-01-01")
    # As the outsider's, with 6 implemented (1.0) and the cable's 17 under discussion (.25).
    assert card["score"] == round(2.25 / 13, 4)
    rows = csv_rows(api.get(url("scorecards/countries/"), {"format": "csv"}))
    assert rows["MA"]["implemented"] == "1"
    assert api.get(url(f"assessments/{canary.assessment.public_id}/")).status_code == 200
    found = api.get(url("evidence/"), {"q": canary.text}).json()["results"]
    assert [e["id"] for e in found] == [str(canary.evidence.public_id)]
    feed = api.get(url("changes/"), {"since": since}).json()
    assert ("assessment", str(canary.assessment.public_id)) in {
        (r["type"], r["object_id"]) for r in feed["results"]
    }
    # The cell's version moved for the analyst, who sees the canary's assessment.
    assert api.get(url(f"cells/{canary.cell.pk}/")).json()["version"] == 3


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    key = "country" if "country" in reader.fieldnames else reader.fieldnames[0]
    return {row[key]: row for row in reader if not row.get("partner")}
