"""Bad input is a 400 with field messages in the uniform body, never a 500, on
SQLite and PostgreSQL alike."""

import pytest

from measures.models import Cell, Evidence
from tests.api_helpers import (
    assert_error,
    client,
    footprint,
    grow,
    url,
)
from tests.factories import EvidenceFactory, cell_at

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        # unknown country codes
        ("cells/", {"country": "XX"}, "country"),
        ("cells/", {"partner": "Algeria"}, "partner"),
        ("assessments/", {"country": ["DZ", "QQ"]}, "country"),
        ("evidence/", {"country": "zz"}, "country"),
        ("indicators/", {"country": "XX"}, "country"),
        ("initiatives/", {"country": "XX"}, "country"),
        # malformed dates
        ("cells/", {"as_of": "2012-02-30"}, "as_of"),
        ("cells/", {"updated_since": "last week"}, "updated_since"),
        ("assessments/", {"as_of": "01/02/2012"}, "as_of"),  # 2 Jan or 1 Feb? ISO only
        ("cells/", {"as_of": "01/02/2012"}, "as_of"),
        ("evidence/", {"occurred_after": "01/02/2012"}, "occurred_after"),
        ("evidence/", {"occurred_after": "2012"}, "occurred_after"),
        ("evidence/", {"occurred_before": "2012-1-1x"}, "occurred_before"),
        ("countries/", {"initiative": "cemoc", "on": "today"}, "on"),
        # levels and vocabularies outside the scale
        ("cells/", {"level": "finished"}, "level"),
        ("assessments/", {"level": "no_evidence"}, "level"),  # derived, never stored
        ("cells/", {"scope": "global"}, "scope"),
        ("assessments/", {"domain": "space"}, "domain"),
        ("evidence/", {"direction": "up"}, "direction"),
        ("evidence/", {"marking": "secret"}, "marking"),
        ("sources/", {"language": "de"}, "language"),
        ("initiatives/", {"kind": "club"}, "kind"),
        ("countries/", {"region": "atlantis"}, "region"),
        # wrong types and out-of-range numbers
        ("cells/", {"measure": "abc"}, "measure"),
        ("cells/", {"measure": "2,x"}, "measure"),
        ("assessments/", {"measure": HUGE}, "measure"),
        ("evidence/", {"measure": "1.5"}, "measure"),
        ("indicators/", {"measure": "1e30"}, "measure"),
        ("assessments/", {"cell": "abc"}, "cell"),
        ("assessments/", {"cell": HUGE}, "cell"),
        ("evidence/", {"cell": "1e30"}, "cell"),
        ("measures/", {"initiative": "no-such-initiative"}, "initiative"),
        ("cells/", {"initiative": "no-such-initiative"}, "initiative"),
        # malformed page sizes
        ("cells/", {"page_size": "abc"}, "page_size"),
        ("cells/", {"page_size": "0"}, "page_size"),
        ("cells/", {"page_size": "-10"}, "page_size"),
        ("evidence/", {"page_size": "1.5"}, "page_size"),
        ("evidence/", {"page_size": "1e3"}, "page_size"),
        ("countries/", {"page": "first"}, "page"),
        ("countries/", {"page": "0"}, "page"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(users, path, params, field):
    body = assert_error(client(users.admin).get(url(path), params), 400, field)
    assert body["code"] == "invalid" and body["detail"] == "Invalid input."


def test_a_page_past_the_end_is_a_404(users):
    assert_error(client(users.reader).get(url("countries/"), {"page": 99}), 404)
    assert_error(client(users.reader).get(url("countries/"), {"page": HUGE}), 404)
    last = client(users.reader).get(url("countries/"), {"page": "last", "page_size": 10})
    assert len(last.json()["results"]) == 7


def test_a_page_size_above_1000_is_capped_at_1000(users):
    grow()  # 1410 cells
    api = client(users.reader)
    body = api.get(url("cells/"), {"page_size": 5000}).json()
    assert body["count"] == Cell.objects.count() > 1000
    assert len(body["results"]) == 1000
    assert "page=2" in body["next"]
    rest = api.get(body["next"]).json()
    assert len(rest["results"]) == body["count"] - 1000 and rest["next"] is None
    assert len(api.get(url("cells/")).json()["results"]) == 50  # the default
    huge = api.get(url("cells/"), {"page_size": HUGE + HUGE}).json()
    assert len(huge["results"]) == 1000


@pytest.mark.parametrize(
    "path",
    [
        "countries/%00/",
        "countries/D%00/",
        "initiatives/cemoc%00/",
        "sources/000%00/",
        "scorecards/countries/MA%00/",
        "scorecards/initiatives/%00/",
        "cells/1%00/",
    ],
)
def test_a_nul_byte_in_the_path_is_a_400(users, path):
    assert_error(client(users.reader).get(url(path)), 400, "path")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("countries/", "q=%00"),
        ("countries/", "q=al%00geria"),
        ("evidence/", "q=x%00"),
        ("sources/", "q=%00&language=en"),
        ("cells/", "country=D%00Z"),
        ("scorecards/countries/", "country=MA%00"),
        ("scorecards/countries/", "initiative=%00"),
        ("scorecards/initiatives/5plus5/", "region=%00"),
        ("changes/", "since=%00"),
    ],
)
def test_a_nul_byte_in_a_query_parameter_is_a_400(users, path, query):
    assert_error(client(users.reader).get(f"{url(path)}?{query}"), 400, "query")


def assessment_payload(user, **fields):
    cell = cell_at(11, "DZ")
    return {
        "cell": cell.pk,
        "expected_version": cell.version_for(user),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "rationale_en": "Agreed.",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"level": "finished"}, "level"),
        ({"level": "no_evidence"}, "level"),
        ({"level": 3}, "level"),
        ({"effective_on": "2013-02-30"}, "effective_on"),
        ({"effective_on": 20130201}, "effective_on"),
        ({"effective_precision": "week"}, "effective_precision"),
        ({"cell": "abc"}, "cell"),
        ({"status": 999999}, "status"),
        ({"cell": int(HUGE)}, "cell"),
        ({"expected_version": "two"}, "expected_version"),
        ({"expected_version": 0}, "expected_version"),
        ({"evidence": "1"}, "evidence"),
        ({"evidence": [999999]}, "evidence"),
        ({"evidence": [int(HUGE)]}, "evidence"),
        ({"evidence": ["not-a-uuid"]}, "evidence"),
        ({"evidence": ["00000000-0000-0000-0000-000000000000"]}, "evidence"),  # unknown
        ({"evidence": [{"id": 1}]}, "evidence"),
        ({"marking": "public"}, "marking"),
        ({"marking": {"level": "secret"}}, "marking"),
        ({"marking": {"level": "public", "releasable_to": "MA"}}, "marking"),
        ({"marking": {"level": "restricted", "releasable_to": ["XX"]}}, "marking"),
        ({"marking": {"level": "restricted", "releasable_to": ["M\x00A"]}}, "marking"),
        ({"marking": {"level": "public", "colour": "red"}}, "marking"),
        ({"rationale_en": "a\x00b"}, "rationale_en"),
        ({"rationale_en": "", "rationale_fr": ""}, "rationale_en"),
        # unknown and read-only fields are refused, not silently dropped
        ({"recorded_by": "admin_all"}, "recorded_by"),
        ({"version": 7}, "version"),
        ({"id": 1}, "id"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"revision": 1}, "revision"),
        ({"retracted": True}, "retracted"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_a_bad_assessment_is_a_400_naming_the_field_and_writes_nothing(users, fields, field):
    before = footprint()
    response = client(users.editor).post(
        url("assessments/"), assessment_payload(users.editor, **fields)
    )
    body = assert_error(response, 400, field)
    assert body["code"] == "invalid"
    assert all(isinstance(m, str) for m in body["fields"][field]) or isinstance(
        body["fields"][field], dict
    )
    assert footprint() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"level": "partial", "effective_on": "2013-01-01", "rationale": "x", "version": 9},
            "version",
        ),
        (
            {"level": "partial", "effective_on": "2013-01-01", "rationale": "x", "country": "TN"},
            "country",
        ),
        ({"level": "partial", "effective_on": "2013-01-01"}, "rationale"),
        ({"level": "great", "effective_on": "2013-01-01", "rationale": "x"}, "level"),
        ({"level": "partial", "effective_on": "soon", "rationale": "x"}, "effective_on"),
        ({"level": "partial", "effective_on": "2013-01-01", "rationale": ["x"]}, "rationale"),
    ],
)
def test_a_bad_cell_patch_is_a_400_and_writes_nothing(users, payload, field):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    tag = api.get(url(f"cells/{cell.pk}/"))["ETag"]
    before = footprint()
    assert_error(api.patch(url(f"cells/{cell.pk}/"), payload, HTTP_IF_MATCH=tag), 400, field)
    assert footprint() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"created_by": "admin_all"}, "created_by"),
        ({"id": 5}, "id"),
        ({"version": 2}, "version"),
        ({"retracted": True}, "retracted"),
        ({"source": 2}, "source"),
        ({"source": "nope"}, "source"),
        ({"occurred_on": "2013-13-01"}, "occurred_on"),
        ({"reliability": "b2"}, "reliability"),
        ({"cells": [HUGE]}, "cells"),
        ({"cells": {"id": 1}}, "cells"),
        ({"initiatives": ["atlantis"]}, "initiatives"),
        ({"summary_en": "nul\x00here"}, "summary_en"),
        ({"source": "00\x002"}, "source"),
        ({"initiatives": ["cem\x00oc"]}, "initiatives"),
        ({"marking": {"level": "public", "releasable_to": ["na\x00to"]}}, "marking"),
        ({"cells": ["1\x00"]}, "cells"),
        ({"locator": ""}, "locator"),
    ],
)
def test_bad_evidence_is_a_400_naming_the_field_and_writes_nothing(users, fields, field):
    payload = {
        "source": "002",
        "occurred_on": "2013-03-01",
        "summary_en": "A fact.",
        "locator": "p. 4",
        "direction": "supports",
        "reliability": "B2",
        **fields,
    }
    before = footprint()
    assert_error(client(users.editor).post(url("evidence/"), payload), 400, field)
    assert footprint() == before


@pytest.mark.parametrize("field", ["summary_en", "source", "version", "reliability"])
def test_evidence_patch_refuses_fields_it_cannot_change(users, field):
    item = EvidenceFactory(cells=[cell_at(11, "DZ")])
    api = client(users.editor)
    tag = api.get(url(f"evidence/{item.public_id}/"))["ETag"]
    before = footprint()
    response = api.patch(url(f"evidence/{item.public_id}/"), {field: "B1"}, HTTP_IF_MATCH=tag)
    assert_error(response, 400, field)
    assert footprint() == before
    assert Evidence.objects.get(pk=item.pk).summary_en == item.summary_en


def test_a_body_that_is_not_a_json_object_is_a_400(users):
    api = client(users.editor)
    before = footprint()
    for body in ("[1, 2]", '"text"', "null", "42"):
        response = api.post(url("assessments/"), body, content_type="application/json")
        assert_error(response, 400)
    broken = api.post(url("assessments/"), "{not json", content_type="application/json")
    assert assert_error(broken, 400)["code"] == "parse_error"
    assert footprint() == before


def test_a_body_in_another_media_type_is_a_415(users):
    response = client(users.editor).post(
        url("assessments/"),
        "status=1&level=agreed",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415)


def test_an_unknown_format_is_a_400_in_json_naming_format(users):
    response = client(users.reader).get(url("scorecards/countries/"), {"format": "xml"})
    body = assert_error(response, 400, "format")
    assert "csv" in body["fields"]["format"][0] and "json" in body["fields"]["format"][0]
