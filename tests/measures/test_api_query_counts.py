"""Every list and scorecard runs a fixed number of queries, whatever the data size:
the seed, then the seed plus 45 countries with their cells, pairs, memberships,
evidence and assessments. ``as_of`` adds none; ``compare_to`` a fixed few.

Each request authenticates with a knox token, as a REST client does: one query
reads the token with its user and the user's profile, whose access snapshot is
the viewer — before the endpoint's own.
"""

import pytest

from countries.models import Country
from tests.api_helpers import (
    client,
    grow,
    token_for,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reads_only(settings):
    """The reads' queries; what recording a release adds (a constant few) is
    pinned in tests/security/test_disclosure_ledger.py."""
    settings.CBM_DISCLOSURE_LEDGER = False


AUTH = 1
PAGE = {"page_size": 1000}

# path, query, queries of the endpoint itself (after AUTH). Every list reads
# the caller's latest revision first, for its ETag (+1 below).
LISTS = [
    # COUNT(*), the page, the regions.
    ("countries/", PAGE, 1 + 3),
    # COUNT(*), the page, memberships, carried measures with their measure
    # (+ checking the country codes named in the filter).
    ("initiatives/", PAGE, 1 + 4),
    ("initiatives/", {**PAGE, "country": "MA"}, 1 + 5),
    # COUNT(*), the page, the visible carriers with their initiative.
    ("measures/", PAGE, 1 + 3),
    ("sources/", PAGE, 1 + 2),
    # COUNT(*), the page with the level subqueries.
    ("cells/", PAGE, 1 + 2),
    ("cells/", {**PAGE, "as_of": "2011-01-01"}, 1 + 2),
    ("cells/", {**PAGE, "initiative": "5plus5", "level": "partial"}, 1 + 3),
    # COUNT(*), the page, the visible evidence ids, the visible replies
    # (their evidence: one more when there are any, tests/measures/test_api_replies.py).
    ("assessments/", PAGE, 1 + 4),
    ("assessments/", {**PAGE, "country": "DZ", "as_of": "2011-01-01"}, 1 + 5),
    # COUNT(*), the page, cells with their measure, visible initiatives.
    ("evidence/", PAGE, 1 + 4),
    ("evidence/", {**PAGE, "country": "DZ", "initiative": "cemoc"}, 1 + 6),
    # COUNT(*), the page, observations.
    ("indicators/", PAGE, 1 + 3),
]
# In CSV, the same page and one query more: the countries' names.
LISTS += [
    (path, {**query, "format": "csv"}, cost + 1) for path, query, cost in LISTS if query == PAGE
]
# The revision (for the ETag); tracked pairs, measures, countries, latest
# assessments, evidence per cell: 6. Parameters that name something are checked
# first (one query each).
SCORECARDS = [
    ("scorecards/countries/", {}, 6),
    ("scorecards/countries/", {"format": "csv"}, 6),
    ("scorecards/countries/", {"country": ["DZ", "MA"]}, 7),
    ("scorecards/countries/", {"initiative": "5plus5", "measure": [6, 17]}, 8),
    ("scorecards/countries/MA/", {}, 6),
    ("scorecards/countries/MA/", {"format": "csv"}, 6),
    ("scorecards/measures/2/", {}, 6),
    ("scorecards/measures/2/", {"format": "csv"}, 6),
    # + the initiative, the measures it carries, the members' roles.
    ("scorecards/initiatives/5plus5/", {}, 9),
    ("scorecards/initiatives/5plus5/", {"format": "csv"}, 9),
    # The matrix shows no evidence: no evidence query.
    ("scorecards/matrix/", {}, 5),
    ("scorecards/matrix/", {"format": "csv"}, 5),
    # The records the caller may read, the re-markings across their line, the
    # handles of what the records name.
    ("changes/", {"since": 0, "limit": 5}, 3),
]


def with_history(path, query, cost):
    """as_of: no more queries; compare_to: one more grid (4 queries, 3 for the matrix)."""
    if not path.startswith("scorecards/"):
        return []
    extra = 3 if "matrix" in path else 4
    return [
        (path, {**query, "as_of": "2011-06-30"}, cost),
        (path, {**query, "compare_to": "2010-01-01"}, cost + extra),
        (path, {**query, "as_of": "2012-12-31", "compare_to": "2010-01-01"}, cost + extra),
    ]


CASES = [
    *LISTS,
    *SCORECARDS,
    *(case for path, query, cost in SCORECARDS for case in with_history(path, query, cost)),
]


@pytest.mark.parametrize("role", ["reader", "admin"])
def test_every_list_and_scorecard_runs_the_same_queries_at_two_data_sizes(
    users, role, django_assert_num_queries
):
    api = client(token=token_for(getattr(users, role)))

    def check():
        for path, query, cost in CASES:
            with django_assert_num_queries(AUTH + cost, info=f"{path} {query}"):
                response = api.get(url(path), query)
            assert response.status_code == 200, (path, query)

    def rows():
        return {
            path: api.get(url(path), PAGE).json()["count"]
            for path in ("countries/", "cells/", "assessments/", "evidence/")
        }

    check()
    small = rows()
    grow(45)
    large = rows()
    assert Country.objects.count() >= 27 + 45
    assert all(large[path] > small[path] for path in small), (small, large)
    check()
