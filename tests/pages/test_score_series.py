"""The score-over-time series of the country page: the scorecard's numbers, constant queries."""

import datetime

import pytest

from measures import services
from measures.access import viewer_for
from measures.reads import scorecards
from tests.factories import assess, cell_at
from tests.pages.helpers import plant_canary

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize("iso", ["DZ", "ML", "MA", "FR"])
def test_each_point_equals_the_country_scorecard_on_that_date(users, iso):
    plant_canary(users)
    for viewer in (users.reader, users.moroccan_analyst):
        series = scorecards.score_series(viewer, iso, until=D(2014, 6, 30))
        for point in series:
            card = scorecards.country_scorecard(viewer, iso, as_of=point["date"])
            assert point["score"] == card["score"], (iso, point["date"])
            assert point["rated"] == card["rated"]
        if series:
            assert series[-1]["date"] == D(2014, 6, 30)
            assert [p["date"].month for p in series[:-1]] == [12] * (len(series) - 1)


def test_a_confidential_assessment_moves_only_the_cleared_viewers_series(users):
    plant_canary(users)
    public = scorecards.score_series(users.reader, "MA", until=D(2012, 1, 1))
    cleared = scorecards.score_series(users.moroccan_analyst, "MA", until=D(2012, 1, 1))
    assert public[-1]["score"] != cleared[-1]["score"]


def test_retracted_assessments_leave_the_series(users):

    wrong = assess(users.admin, cell_at(11, "TN"), "implemented", D(2011, 1, 1))
    before = scorecards.score_series(users.reader, "TN", until=D(2012, 1, 1))
    services.retract_assessment(
        users.admin,
        wrong,
        reason="Wrong country.",
        expected_version=wrong.cell.version_for(users.admin),
    )
    after = scorecards.score_series(users.reader, "TN", until=D(2012, 1, 1))
    assert before[-1]["score"] != after[-1]["score"] or before[-1]["rated"] != after[-1]["rated"]


def test_the_series_costs_three_queries_whatever_the_span(users, django_assert_num_queries):

    viewer_for(users.reader)  # the viewer is read once per request, before any page query
    with django_assert_num_queries(3):
        short = scorecards.score_series(users.reader, "DZ", until=D(2011, 1, 1))
    with django_assert_num_queries(3):
        long = scorecards.score_series(users.reader, "DZ", until=D(2040, 1, 1))
    assert len(long) > len(short)


def test_no_visible_assessment_means_no_series(users):
    assert scorecards.score_series(users.reader, "FR") == []
