"""measures/reads/scorecards.py: scores as documented, for one viewer, in a fixed number
of queries."""

import datetime

import pytest

from measures import services
from measures.access import viewer_for
from measures.reads import scorecards
from measures.reads.scorecards import Filters
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def chad(users):
    """Chad, rated on a few measures (it has no rating in the seed):

    5 (national)   agreed 2010, implemented 2011                     → 1.0
    12 (national)  not applicable                                     → left out
    2 (bilateral)  LY–TD partial, NE–TD not started, NG–TD unrated    → mixed, .375
    3 (bilateral)  LY–TD agreed, NE–TD agreed                         → agreed, .5
    8 (bilateral)  LY–TD not applicable                               → not applicable
    Score: mean(1.0, .375, .5) = .625.
    """
    admin = users.admin
    assess(admin, cell_at(5, "TD"), "agreed", D(2010, 1, 1))
    assess(admin, cell_at(5, "TD"), "implemented", D(2011, 1, 1))
    assess(admin, cell_at(12, "TD"), "not_applicable", D(2011, 1, 1))
    assess(admin, cell_at(2, "LY", "TD"), "partial", D(2011, 3, 1))
    assess(admin, cell_at(2, "NE", "TD"), "not_started", D(2011, 3, 1))
    assess(admin, cell_at(3, "LY", "TD"), "agreed", D(2011, 3, 1))
    assess(admin, cell_at(3, "NE", "TD"), "agreed", D(2011, 4, 1))
    assess(admin, cell_at(8, "LY", "TD"), "not_applicable", D(2011, 3, 1))


def row(card, iso):
    return next(r for r in card["results"] if r["country"] == iso)


def test_a_countrys_score_is_the_mean_value_over_the_measures_it_is_rated_on(users, chad):
    td = row(scorecards.countries_scorecard(users.reader), "TD")
    assert td["score"] == 0.625
    assert (td["rated"], td["unrated"]) == (3, 15)
    counts = {level: n for level, n in td["counts"].items() if n}
    assert counts == {"implemented": 1, "mixed": 1, "agreed": 1, "not_applicable": 2} | {
        "no_evidence": 15
    }


def test_a_bilateral_measure_is_the_mean_over_rated_pairs_and_mixed_when_they_differ(users, chad):
    card = scorecards.country_scorecard(users.reader, "TD")
    by_number = {m["measure"]: m for m in card["measures"]}
    m2, m3, m8 = by_number[2], by_number[3], by_number[8]
    assert (m2["level"], m2["value"], m2["effective_on"]) == ("mixed", 0.375, D(2011, 3, 1))
    assert [(p["partner"], p["level"]) for p in m2["pairs"]] == [
        ("LY", "partial"),
        ("NE", "not_started"),
        ("NG", "no_evidence"),
    ]
    assert (m3["level"], m3["value"], m3["effective_on"]) == ("agreed", 0.5, D(2011, 4, 1))
    assert (m8["level"], m8["value"]) == ("not_applicable", None)
    assert (by_number[12]["level"], by_number[12]["value"]) == ("not_applicable", None)
    assert (by_number[1]["level"], by_number[1]["value"]) == ("no_evidence", None)
    assert card["score"] == 0.625


def test_history_replays_by_effective_date_and_compare_to_gives_the_trend(users, chad):
    then = row(scorecards.countries_scorecard(users.reader, as_of=D(2010, 6, 1)), "TD")
    assert (then["score"], then["rated"]) == (0.5, 1)  # only 5: agreed
    card = scorecards.countries_scorecard(users.reader, compare_to=D(2010, 6, 1))
    assert row(card, "TD")["trend"] == {"compare_to": D(2010, 6, 1), "score": 0.5, "delta": 0.125}
    assert row(card, "SN")["trend"] == {"compare_to": D(2010, 6, 1), "score": None, "delta": None}
    country = scorecards.country_scorecard(users.reader, "TD", compare_to=D(2010, 6, 1))
    assert country["trend"]["delta"] == 0.125
    measure = scorecards.measure_scorecard(users.reader, 5, compare_to=D(2010, 6, 1))
    assert row(measure, "TD")["trend"] == {
        "compare_to": D(2010, 6, 1),
        "level": "agreed",
        "value": 0.5,
    }
    matrix = scorecards.matrix(users.reader, compare_to=D(2010, 6, 1))
    assert (row(matrix, "TD")["score"], row(matrix, "TD")["score_then"]) == (0.625, 0.5)


def test_the_latest_wins_by_effective_date_and_retracted_assessments_do_not_count(users, chad):
    late = assess(users.admin, cell_at(5, "TD"), "suspended", D(2010, 6, 1))  # history filled in
    assert row(scorecards.measure_scorecard(users.reader, 5), "TD")["level"] == "implemented"
    wrong = assess(users.admin, cell_at(5, "TD"), "not_started", D(2012, 1, 1))
    assert row(scorecards.measure_scorecard(users.reader, 5), "TD")["level"] == "not_started"
    cell = cell_at(5, "TD")
    services.retract_assessment(
        users.admin,
        wrong,
        reason="Wrong country.",
        expected_version=cell.version_for(users.admin),
    )
    assert row(scorecards.measure_scorecard(users.reader, 5), "TD")["level"] == "implemented"
    as_of = scorecards.measure_scorecard(users.reader, 5, as_of=D(2010, 12, 31))
    assert row(as_of, "TD")["level"] == late.level


def test_evidence_counts_and_dates_include_only_what_the_viewer_sees(users, chad):
    cell = cell_at(5, "TD")
    EvidenceFactory(cells=[cell], occurred_on=D(2011, 5, 1))
    EvidenceFactory(
        cells=[cell],
        occurred_on=D(2012, 5, 1),
        source=SourceFactory(marking=marking("confidential", "MA")),
    )
    public = scorecards.country_scorecard(users.reader, "TD")
    cleared = scorecards.country_scorecard(users.moroccan_analyst, "TD")
    assert public["measures"][4]["evidence_count"] == 1
    assert cleared["measures"][4]["evidence_count"] == 2
    assert (public["last_evidence_on"], cleared["last_evidence_on"]) == (
        D(2011, 5, 1),
        D(2012, 5, 1),
    )


def test_filters_select_countries_and_measures(users, chad):
    card = scorecards.countries_scorecard(users.reader, filters=Filters(countries=("TD", "NG")))
    assert [r["country"] for r in card["results"]] == ["NG", "TD"]
    card = scorecards.countries_scorecard(users.reader, filters=Filters(region="maghreb"))
    assert [r["country"] for r in card["results"]] == ["DZ", "LY", "MA", "MR", "TN"]
    td = row(
        scorecards.countries_scorecard(
            users.reader, filters=Filters(countries=("TD",), scope="national")
        ),
        "TD",
    )
    assert (td["score"], td["rated"], td["counts"]["not_applicable"]) == (1.0, 1, 1)
    td = row(scorecards.countries_scorecard(users.reader, filters=Filters(measures=(2, 3))), "TD")
    assert td["score"] == round((0.375 + 0.5) / 2, 4)
    card = scorecards.countries_scorecard(users.reader, filters=Filters(domain="political"))
    assert sum(row(card, "DZ")["counts"].values()) == 4  # measures 13-16
    card = scorecards.countries_scorecard(users.reader, filters=Filters(initiative="cemoc"))
    assert [r["country"] for r in card["results"]] == ["DZ", "ML", "MR", "NE"]  # not "excluded"


def test_an_initiative_scorecard_has_its_members_at_the_date_on_the_measures_it_carries(users):
    card = scorecards.initiative_scorecard(users.reader, "cemoc")
    assert card["measures"] == [2, 9, 17]
    assert [(r["country"], r["role"]) for r in card["results"]] == [
        ("DZ", "lead"),
        ("ML", "member"),
        ("MR", "member"),
        ("NE", "member"),
    ]
    assert all(sum(r["counts"].values()) == 3 for r in card["results"])
    assert (
        scorecards.initiative_scorecard(users.reader, "cemoc", as_of=D(2009, 1, 1))["results"] == []
    )
    only_17 = scorecards.initiative_scorecard(
        users.reader, "cemoc", filters=Filters(measures=(17,))
    )
    assert only_17["measures"] == [17]


def test_memberships_known_only_from_a_confidential_source_do_not_make_members(users):
    public = scorecards.initiative_scorecard(users.reader, "nato-security-agreements")
    cleared = scorecards.initiative_scorecard(users.analyst, "nato-security-agreements")
    assert "MA" not in {r["country"] for r in public["results"]}
    assert ("MA", "partner") in {(r["country"], r["role"]) for r in cleared["results"]}
    filtered = scorecards.countries_scorecard(
        users.reader, filters=Filters(initiative="active-endeavour")
    )
    assert "MA" not in {r["country"] for r in filtered["results"]}


def test_an_initiative_the_viewer_cannot_see_has_no_scorecard(users):
    assert scorecards.initiative_scorecard(users.reader, "pap-t") is None
    assert scorecards.initiative_scorecard(users.analyst, "pap-t")["measures"] == [17]


def test_unknown_countries_and_measures_have_no_scorecard(users):
    assert scorecards.country_scorecard(users.reader, "ZZ") is None
    assert scorecards.measure_scorecard(users.reader, 99) is None


def test_the_matrix_has_every_country_by_every_measure(users, chad):
    card = scorecards.matrix(users.reader)
    assert [m["number"] for m in card["measures"]] == list(range(1, 21))
    assert len(card["results"]) == 27
    td = row(card, "TD")
    assert [c["measure"] for c in td["cells"]] == list(range(1, 21))
    assert (td["score"], td["cells"][4]["level"], td["cells"][1]["level"]) == (
        0.625,
        "implemented",
        "mixed",
    )


@pytest.mark.parametrize(
    "compute",
    [
        lambda v: scorecards.countries_scorecard(v),
        lambda v: scorecards.countries_scorecard(v, as_of=D(2011, 1, 1)),
        lambda v: scorecards.country_scorecard(v, "DZ"),
        lambda v: scorecards.measure_scorecard(v, 2),
        lambda v: scorecards.initiative_scorecard(v, "5plus5"),
        lambda v: scorecards.matrix(v),
    ],
)
def test_a_scorecard_runs_a_fixed_number_of_queries(
    users, chad, compute, django_assert_max_num_queries
):

    viewer = viewer_for(users.reader)  # the viewer's own lookups are not the scorecard's
    with django_assert_max_num_queries(8):
        compute(viewer)
