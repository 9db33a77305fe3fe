"""Scorecards are rendered once per ETag and then served from the cache: the
second identical request costs the authentication and the revision lookup, a
write is seen at once, and one audience's rendering never reaches another."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_helpers import (
    SCORECARDS,
    client,
    token_for,
    url,
)
from tests.canaries import moroccan_canary
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_repeated_scorecard_request_is_served_from_the_cache(users, fmt):
    api = client(token=token_for(users.reader))
    for path in SCORECARDS:
        first = api.get(url(path), {"format": fmt})
        with CaptureQueriesContext(connection) as queries:
            again = api.get(url(path), {"format": fmt})
        assert again.status_code == 200, path
        assert (again.content, again["ETag"], again["Content-Type"]) == (
            first.content,
            first["ETag"],
            first["Content-Type"],
        ), path
        assert again.get("Content-Disposition") == first.get("Content-Disposition"), path
        assert again["Vary"] == first["Vary"], path
        assert len(queries) == 2, (path, [q["sql"] for q in queries.captured_queries])


def test_a_write_is_in_the_next_response(users):
    api = client(users.reader)
    path = url("scorecards/countries/DZ/")

    def level_of_11():
        card = api.get(path).json()
        return next(m["level"] for m in card["measures"] if m["measure"] == 11)

    before = level_of_11()
    assert level_of_11() == before  # now cached
    assess(users.editor, cell_at(11, "DZ"), "implemented", datetime.date(2013, 1, 1))
    assert level_of_11() == "implemented" != before


def test_one_audiences_rendering_never_reaches_another(users):
    """A cleared analyst's card is rendered and cached first; the reader asking
    the same URL gets their own, without the canary."""
    canary = moroccan_canary(users)
    path = url("scorecards/countries/MA/")
    cleared = client(users.moroccan_analyst).get(path)
    assert cleared.status_code == 200
    for _ in range(2):
        reader = client(users.reader).get(path)
        assert reader["ETag"] != cleared["ETag"]
        assert canary.text.encode() not in reader.content
        m6 = next(m for m in reader.json()["measures"] if m["measure"] == 6)
        assert m6["level"] == "partial"


def test_with_the_cache_switched_off_every_request_is_rendered(users, settings):
    settings.CBM_RENDERED_CACHE_SECONDS = 0
    api = client(token=token_for(users.reader))
    path = url("scorecards/countries/MA/")
    first = api.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = api.get(path)
    assert again.content == first.content
    assert len(queries) > 2
