"""/api/v1/scorecards/…: JSON and CSV, every parameter, computed for the caller."""

import csv
import io

import pytest
from django.utils import timezone

from countries.models import Country
from measures import services
from tests.api_helpers import (
    SCORECARDS,
    assert_error,
    client,
    url,
)

pytestmark = pytest.mark.django_db

ROLES = ["reader", "editor", "analyst", "admin"]


def table(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", SCORECARDS)
def test_every_scorecard_answers_every_role_in_json_and_csv(users, role, path):
    api = client(getattr(users, role))
    response = api.get(url(path))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["ETag"] and response["Vary"].startswith("Authorization, Cookie")
    as_csv = api.get(url(path), {"format": "csv"})
    rows = table(as_csv)
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    name = path.strip("/").replace("/", "-")
    today = timezone.localdate().isoformat()
    assert as_csv["Content-Disposition"] == f'attachment; filename="cbm-{name}-{today}.csv"'
    replayed = api.get(url(path), {"format": "csv", "as_of": "2011-06-30"})
    assert replayed["Content-Disposition"] == f'attachment; filename="cbm-{name}-2011-06-30.csv"'
    assert as_csv["ETag"] != response["ETag"]


def test_csv_is_also_chosen_by_the_accept_header_with_its_own_etag(users):
    api = client(users.reader)
    as_json = api.get(url("scorecards/countries/"))
    as_csv = api.get(url("scorecards/countries/"), HTTP_ACCEPT="text/csv")
    assert table(as_csv)[0][:3] == ["country", "name_en", "score"]
    assert as_csv["ETag"] != as_json["ETag"]
    # The JSON ETag does not let a CSV request off with a 304.
    again = api.get(
        url("scorecards/countries/"), HTTP_ACCEPT="text/csv", HTTP_IF_NONE_MATCH=as_json["ETag"]
    )
    assert again.status_code == 200


def test_the_countries_scorecard(users):
    body = client(users.reader).get(url("scorecards/countries/")).json()
    assert (body["as_of"], body["compare_to"]) == (None, None)
    assert len(body["results"]) == Country.objects.count()
    dz = next(r for r in body["results"] if r["country"] == "DZ")
    assert set(dz) == {
        "country",
        "name_en",
        "name_fr",
        "score",
        "rated",
        "unrated",
        "counts",
        "last_evidence_on",
    }
    # Rated: 2 mixed .5, 6 partial .75, 9 agreed .5, 18 under discussion .25,
    # 17 suspended 0 and eleven not started (1, 7, 8, 10–13, 15, 16, 19, 20): 2/16.
    assert (dz["score"], dz["rated"], dz["unrated"], dz["last_evidence_on"]) == (
        0.125,
        16,
        4,
        "2013-01-01",
    )
    rows = table(client(users.reader).get(url("scorecards/countries/"), {"format": "csv"}))
    assert rows[0] == [
        "country",
        "name_en",
        "score",
        "rated",
        "unrated",
        "not_started",
        "under_discussion",
        "agreed",
        "partial",
        "implemented",
        "suspended",
        "not_applicable",
        "mixed",
        "no_evidence",
        "last_evidence_on",
    ]
    assert ["DZ", "Algeria", "0.125", "16", "4", "11", "1", "1", "1", "0", "1", "0", "1", "4"] + [
        "2013-01-01"
    ] in rows


def test_the_country_scorecard_lists_its_measures_with_partner_cells(users):
    api = client(users.reader)
    body = api.get(url("scorecards/countries/dz/")).json()
    assert (body["country"], body["name_en"], body["score"]) == ("DZ", "Algeria", 0.125)
    assert [m["measure"] for m in body["measures"]] == list(range(1, 21))
    m2 = body["measures"][1]
    assert (m2["level"], m2["value"], m2["scope"]) == ("mixed", 0.5, "bilateral")
    assert {p["partner"] for p in m2["pairs"]} == {"LY", "MA", "ML", "MR", "NE", "TN"}
    rows = table(api.get(url("scorecards/countries/DZ/"), {"format": "csv"}))
    assert rows[0] == [
        "measure",
        "title_en",
        "scope",
        "partner",
        "level",
        "value",
        "effective_on",
        "evidence_count",
    ]
    pair_rows = [r for r in rows[1:] if r[0] == "2" and r[3]]
    assert pair_rows[2][3:5] == ["ML", "suspended"] and len(pair_rows) == 6
    assert_error(api.get(url("scorecards/countries/ZZ/")), 404)


def test_the_measure_scorecard_lists_every_country_and_pair(users):
    api = client(users.reader)
    body = api.get(url("scorecards/measures/9/")).json()
    assert (body["measure"], body["scope"], body["domain"]) == (9, "bilateral", "military")
    ml = next(r for r in body["results"] if r["country"] == "ML")
    assert {p["partner"]: p["level"] for p in ml["pairs"]} == {
        "BF": "no_evidence",
        "CI": "no_evidence",
        "DZ": "agreed",
        "GN": "no_evidence",
        "MR": "partial",
        "NE": "agreed",
        "SN": "no_evidence",
    }
    rows = table(api.get(url("scorecards/measures/9/"), {"format": "csv"}))
    assert rows[0] == [
        "country",
        "name_en",
        "partner",
        "level",
        "value",
        "effective_on",
        "evidence_count",
    ]
    ml_dz = next(r for r in rows if r[:3] == ["ML", "Mali", "DZ"])
    assert ml_dz[3:6] == ["agreed", "", "2012-06-01"]
    assert_error(api.get(url("scorecards/measures/99/")), 404)
    assert_error(api.get(url("scorecards/measures/99999999999999999999/")), 404)


def test_the_initiative_scorecard_has_members_roles_and_the_carried_measures(users):
    api = client(users.reader)
    body = api.get(url("scorecards/initiatives/cemoc/")).json()
    assert (body["initiative"], body["measures"]) == ("cemoc", [2, 9, 17])
    assert [(r["country"], r["role"]) for r in body["results"]] == [
        ("DZ", "lead"),
        ("ML", "member"),
        ("MR", "member"),
        ("NE", "member"),
    ]
    rows = table(api.get(url("scorecards/initiatives/cemoc/"), {"format": "csv"}))
    assert rows[0][-1] == "role" and [r[0] for r in rows[1:]] == ["DZ", "ML", "MR", "NE"]
    then = api.get(url("scorecards/initiatives/cemoc/"), {"as_of": "2009-01-01"}).json()
    assert then["results"] == []
    assert_error(api.get(url("scorecards/initiatives/no-such/")), 404)


def test_a_hidden_initiative_has_no_scorecard_and_hidden_members_are_not_listed(users):
    assert_error(client(users.reader).get(url("scorecards/initiatives/pap-t/")), 404)
    assert client(users.analyst).get(url("scorecards/initiatives/pap-t/")).status_code == 200
    public = client(users.reader).get(url("scorecards/initiatives/nato-security-agreements/"))
    cleared = client(users.analyst).get(url("scorecards/initiatives/nato-security-agreements/"))
    assert "MA" not in {r["country"] for r in public.json()["results"]}
    assert "MA" in {r["country"] for r in cleared.json()["results"]}


def test_the_matrix_has_every_country_by_every_measure_in_one_response(users):
    api = client(users.reader)
    body = api.get(url("scorecards/matrix/")).json()
    assert [m["number"] for m in body["measures"]] == list(range(1, 21))
    assert len(body["results"]) == Country.objects.count()
    assert all(len(r["cells"]) == 20 for r in body["results"])
    rows = table(api.get(url("scorecards/matrix/"), {"format": "csv"}))
    assert rows[0] == ["country", "score", *(f"measure_{n}" for n in range(1, 21))]
    dz = next(r for r in rows if r[0] == "DZ")
    assert dz[1:4] == ["0.125", "not_started", "mixed"]


@pytest.mark.parametrize(
    ("params", "countries"),
    [
        ({"country": ["ma", "TN"]}, ["MA", "TN"]),
        ({"region": "sahel"}, ["BF", "ML", "MR", "NE", "TD"]),
        ({"initiative": "cemoc"}, ["DZ", "ML", "MR", "NE"]),
        ({"initiative": "cemoc", "as_of": "2010-04-20"}, []),
        ({"initiative": "5plus5", "region": "maghreb"}, ["DZ", "LY", "MA", "MR", "TN"]),
    ],
)
def test_country_filters(users, params, countries):
    for path in ("scorecards/countries/", "scorecards/matrix/", "scorecards/measures/6/"):
        body = client(users.reader).get(url(path), params).json()
        assert [r["country"] for r in body["results"]] == countries, path


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({"measure": [17, 2]}, [2, 17]),
        ({"domain": "political"}, [13, 14, 15, 16]),
        ({"scope": "national"}, [5, 12]),
        ({"scope": "bilateral", "domain": "political"}, [13, 14]),
    ],
)
def test_measure_filters(users, params, numbers):
    api = client(users.reader)
    matrix = api.get(url("scorecards/matrix/"), params).json()
    assert [m["number"] for m in matrix["measures"]] == numbers
    country = api.get(url("scorecards/countries/DZ/"), params).json()
    assert [m["measure"] for m in country["measures"]] == numbers
    totals = api.get(url("scorecards/countries/"), params).json()["results"]
    assert all(sum(r["counts"].values()) == len(numbers) for r in totals)


def test_as_of_replays_history_and_compare_to_adds_the_trend(users):
    api = client(users.reader)
    then = api.get(url("scorecards/countries/DZ/"), {"as_of": "2009-06-01"}).json()
    assert then["as_of"] == "2009-06-01"
    assert {m["measure"]: m["level"] for m in then["measures"] if m["value"] is not None} == {
        12: "not_started",
        17: "not_started",
    }
    body = api.get(url("scorecards/countries/"), {"compare_to": "2009-06-01"}).json()
    dz = next(r for r in body["results"] if r["country"] == "DZ")
    assert dz["trend"] == {"compare_to": "2009-06-01", "score": 0.0, "delta": 0.125}
    rows = table(
        api.get(url("scorecards/countries/"), {"compare_to": "2009-06-01", "format": "csv"})
    )
    assert rows[0][-3:] == ["compare_to", "score_then", "delta"]
    assert next(r for r in rows if r[0] == "DZ")[-3:] == ["2009-06-01", "0.0", "0.125"]
    card = api.get(url("scorecards/countries/DZ/"), {"compare_to": "2009-06-01"}).json()
    assert card["trend"]["delta"] == 0.125
    measure = api.get(url("scorecards/measures/17/"), {"compare_to": "2009-06-01"}).json()
    assert next(r for r in measure["results"] if r["country"] == "DZ")["trend"]["level"] == (
        "not_started"
    )
    matrix = api.get(url("scorecards/matrix/"), {"compare_to": "2009-06-01"}).json()
    assert next(r for r in matrix["results"] if r["country"] == "DZ")["score_then"] == 0.0


@pytest.mark.parametrize("path", SCORECARDS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"measure": "abc"}, "measure"),
        ({"measure": "99"}, "measure"),
        ({"initiative": "no-such"}, "initiative"),
        ({"initiative": "pap-t"}, "initiative"),  # hidden: as unknown as a typo
        ({"region": "atlantis"}, "region"),
        ({"domain": "space"}, "domain"),
        ({"scope": "galactic"}, "scope"),
        ({"as_of": "2012-02-30"}, "as_of"),
        ({"compare_to": "yesterday"}, "compare_to"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter_in_json_even_for_csv(
    users, path, params, field
):
    api = client(users.reader)
    assert_error(api.get(url(path), params), 400, field)
    assert_error(api.get(url(path), {**params, "format": "csv"}), 400, field)


def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_neutralised(users):
    services.save_reference(
        services.system_actor(),
        Country(iso2="QQ", iso3="QQQ", name_en='=HYPERLINK("http://evil")', name_fr="Q"),
    )
    rows = table(client(users.reader).get(url("scorecards/countries/"), {"format": "csv"}))
    assert next(r for r in rows if r[0] == "QQ")[1] == '\'=HYPERLINK("http://evil")'
    body = client(users.reader).get(url("scorecards/countries/"), {"country": "QQ"}).json()
    assert body["results"][0]["name_en"] == '=HYPERLINK("http://evil")'  # JSON is data
