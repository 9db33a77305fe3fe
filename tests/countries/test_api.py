"""/api/v1/countries/ and /api/v1/initiatives/: reference data, filtered to the caller."""

import pytest

from countries.models import Country, Initiative
from tests.api_helpers import (
    RESOURCES,
    ReadResourceTests,
    assert_error,
    client,
    everything,
    url,
)

pytestmark = pytest.mark.django_db

ROLES = ["reader", "editor", "analyst", "admin"]
# Morocco's part in these is known only from the confidential NATO cable (001).
MA_ONLY_IN_CONFIDENTIAL = {"nato-security-agreements", "active-endeavour", "unified-protector"}
HIDDEN_INITIATIVES = {"pap-t", "gctf"}


class TestCountries(ReadResourceTests):
    resource = RESOURCES["countries"]


class TestInitiatives(ReadResourceTests):
    resource = RESOURCES["initiatives"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_country(users, role):
    rows = everything(client(getattr(users, role)), "countries/")
    assert [c["iso2"] for c in rows] == sorted(Country.objects.values_list("iso2", flat=True))
    assert set(rows[0]) == {"iso2", "iso3", "name_en", "name_fr", "name_ar", "regions"}


def test_a_country_is_found_by_its_code_in_either_case(users):
    # Its ETag, Vary and the 404 of an unknown code: TestCountries.
    api = client(users.reader)
    upper, lower = api.get(url("countries/DZ/")), api.get(url("countries/dz/"))
    assert upper.status_code == lower.status_code == 200
    assert upper.json() == lower.json()
    assert upper.json()["name_en"] == "Algeria" and upper.json()["regions"] == ["maghreb"]


def test_countries_filter_by_region_initiative_date_and_text(users):
    api = client(users.reader)
    assert {c["iso2"] for c in everything(api, "countries/", region="maghreb")} == {
        "DZ",
        "LY",
        "MA",
        "MR",
        "TN",
    }
    both = everything(api, "countries/", region=["maghreb", "mashreq"])
    assert len(both) == 8
    cemoc = everything(api, "countries/", initiative="cemoc")  # "excluded" is not a member
    assert {c["iso2"] for c in cemoc} == {"DZ", "ML", "MR", "NE"}
    assert everything(api, "countries/", initiative="cemoc", on="2009-01-01") == []
    assert [c["iso2"] for c in everything(api, "countries/", q="alg")] == ["DZ"]
    assert [c["iso2"] for c in everything(api, "countries/", q="maroc")] == ["MA"]  # French
    by_code = everything(api, "countries/", q="td")  # the code, in any case
    assert [c["iso2"] for c in by_code] == ["TD"]


def test_countries_filtered_by_initiative_show_only_memberships_the_caller_sees(users):
    # On a date inside the operation (it ended in October 2016).
    reader = everything(
        client(users.reader), "countries/", initiative="active-endeavour", on="2013-01-01"
    )
    analyst = everything(
        client(users.analyst), "countries/", initiative="active-endeavour", on="2013-01-01"
    )
    assert "MA" not in {c["iso2"] for c in reader}
    assert "MA" in {c["iso2"] for c in analyst}


def test_countries_filter_on_a_hidden_or_unknown_initiative_is_a_400(users):
    for slug in ("pap-t", "no-such-thing"):
        assert_error(
            client(users.reader).get(url("countries/"), {"initiative": slug}), 400, "initiative"
        )
    assert everything(client(users.analyst), "countries/", initiative="pap-t")


@pytest.mark.parametrize(
    ("role", "hidden"),
    [("reader", HIDDEN_INITIATIVES), ("editor", HIDDEN_INITIATIVES), ("analyst", set())],
)
def test_initiatives_marked_above_the_caller_are_absent_and_404(users, role, hidden):
    api = client(getattr(users, role))
    slugs = {i["slug"] for i in everything(api, "initiatives/")}
    assert slugs == set(Initiative.objects.values_list("slug", flat=True)) - hidden
    for slug in HIDDEN_INITIATIVES:
        response = api.get(url(f"initiatives/{slug}/"))
        if hidden:
            assert_error(response, 404)
        else:
            assert response.status_code == 200


def test_an_initiative_lists_its_dated_memberships_and_carried_measures(users):
    body = client(users.reader).get(url("initiatives/cemoc/")).json()
    assert body["measures"] == [2, 9, 17]
    dz = next(m for m in body["memberships"] if m["country"] == "DZ")
    assert dz == {
        "country": "DZ",
        "role": "lead",
        "start": "2010-04-21",
        "start_precision": "day",
        "end": None,
        "end_precision": "",
        "note": dz["note"],
        "marking": None,
    }


def test_a_membership_known_only_from_the_cable_is_absent_for_a_public_reader(users):
    reader = client(users.reader).get(url("initiatives/active-endeavour/")).json()
    analyst = client(users.analyst).get(url("initiatives/active-endeavour/")).json()
    assert "MA" not in {m["country"] for m in reader["memberships"]}
    ma = next(m for m in analyst["memberships"] if m["country"] == "MA")
    assert ma["marking"] == "CONFIDENTIAL — releasable to MA, nato"


def test_initiatives_filter_by_kind_and_text(users):
    api = client(users.reader)
    rows = everything(api, "initiatives/", kind="military_command")
    assert {i["slug"] for i in rows} == {"africom", "cemoc"}
    rows = everything(api, "initiatives/", kind=["mission", "operation"])
    assert {i["kind"] for i in rows} == {"mission", "operation"}
    assert [i["slug"] for i in everything(api, "initiatives/", q="CEMOC")] == ["cemoc"]


def test_initiatives_filtered_by_country_ignore_memberships_the_caller_cannot_see(users):
    reader = {i["slug"] for i in everything(client(users.reader), "initiatives/", country="MA")}
    analyst = {i["slug"] for i in everything(client(users.analyst), "initiatives/", country="MA")}
    assert "5plus5" in reader and "amu" in reader
    assert not reader & (MA_ONLY_IN_CONFIDENTIAL | HIDDEN_INITIATIVES)
    assert analyst >= MA_ONLY_IN_CONFIDENTIAL | HIDDEN_INITIATIVES
    assert_error(client(users.reader).get(url("initiatives/"), {"country": "XX"}), 400, "country")


def test_reference_data_is_read_only(users):
    api = client(users.admin)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)(url("countries/DZ/"), {"name_en": "x"})
        assert response.status_code == 405
        assert response.json()["status"] == 405
    assert api.post(url("initiatives/"), {"slug": "x"}).status_code == 405
    assert Country.objects.get(pk="DZ").name_en == "Algeria"
