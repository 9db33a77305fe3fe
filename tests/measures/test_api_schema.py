"""The OpenAPI 3 schema and its pages: served, warning-free, every 4xx documented,
and nothing fetched from a CDN (the tracker may run on a closed network)."""

import re
from io import StringIO

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIRequestFactory

from cbm_tracker.api.docs import RedocView, SwaggerView
from tests import openapi
from tests.api_helpers import (  # noqa: F401 (no_throttles is an autouse fixture)
    LISTS,
    SCORECARDS,
    client,
    no_throttles,
    url,
)

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def schema():
    response = client().get(url("schema/"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_served_as_openapi_3(settings):
    settings.CBM_PUBLIC_READ = False  # the contract is public even when the data is not
    body = schema()
    assert body["openapi"].startswith("3.")
    assert body["info"]["title"] == "CBM Tracker API"
    paths = set(body["paths"])
    for path in [
        "/api/v1/countries/",
        "/api/v1/initiatives/{slug}/",
        "/api/v1/statuses/{id}/",
        "/api/v1/assessments/{id}/retract/",
        "/api/v1/evidence/",
        "/api/v1/scorecards/countries/{iso2}/",
        "/api/v1/scorecards/matrix/",
        "/api/v1/changes/",
    ]:
        assert path in paths, path
    as_json = client().get(url("schema/"), {"format": "json"})
    assert as_json.status_code == 200 and as_json.json()["openapi"] == body["openapi"]


def test_spectacular_validates_the_schema_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    err = StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target), stderr=err)
    assert target.stat().st_size > 10_000
    assert "Warning" not in err.getvalue() and "Error" not in err.getvalue()


def test_every_operation_documents_its_4xx_in_the_uniform_error_body():
    body = schema()
    error = body["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"status", "code", "detail", "fields"}
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "404", "429"} <= codes, (method, path, codes)
            if method != "get":
                assert {"403", "412", "428"} <= codes, (method, path, codes)
            for code in codes - {"200", "201", "204"}:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)


def test_writes_that_need_if_match_say_so():
    body = schema()
    for path, method in [
        ("/api/v1/statuses/{id}/", "patch"),
        ("/api/v1/evidence/{id}/", "patch"),
        ("/api/v1/evidence/{id}/retract/", "post"),
    ]:
        headers = {
            p["name"]: p for p in body["paths"][path][method]["parameters"] if p["in"] == "header"
        }
        assert headers["If-Match"]["required"] is True, (path, method)


@pytest.mark.parametrize("path", ["docs/", "redoc/"])
def test_the_documentation_pages_load_only_local_files(users, path):
    check_local_page(client(users.reader).get(url(path)))


def test_our_redoc_view_loads_only_local_files():
    request = APIRequestFactory().get("/api/v1/redoc/")
    response = RedocView.as_view(url_name="api:schema")(request)
    response.render()
    page = check_local_page(response)
    assert "redoc.standalone.js" in page and 'spec-url="/api/v1/schema/"' in page


@pytest.mark.parametrize("view", [SwaggerView, RedocView])
def test_our_documentation_views_answer_get_and_refuse_other_methods(view):
    page = view.as_view(url_name="api:schema")
    factory = APIRequestFactory()
    assert page(factory.head("/")).status_code == 200
    for method in ("options", "post", "delete"):
        response = page(getattr(factory, method)("/"))
        response.render()
        assert response.status_code == 405, method


def test_the_routed_documentation_pages_never_answer_500(users):
    response = client(users.reader).options(url("docs/"))
    assert response.status_code < 500


def check_local_page(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)
    assert "googleapis" not in page and "cdn" not in page.lower()
    assets = re.findall(r"""(?:src|href)="/static/([^"]+)\"""", page)
    assert assets and all(a.startswith("drf_spectacular_sidecar/") for a in assets)
    for asset in assets:
        assert finders.find(asset), asset  # shipped by drf-spectacular-sidecar
    return page


# --- the schema describes every response, field by field --------------------------

# The only free-form objects of any response: snapshots of a row's fields, whose
# keys are the fields of whichever model the record is about.
FREE_FORM = {"ChangeFeedRecord.before", "ChangeFeedRecord.after"}
VARIANTS = [
    {},
    {"compare_to": "2011-01-01"},
    {"as_of": "2010-06-30", "compare_to": "2008-01-01"},
    {"measure": ["2", "6"], "country": ["DZ", "MA"]},
]


def served_schema():
    response = client().get(url("schema/"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def schema_path(path):
    """The schema's path template for a concrete path of tests/api_helpers.py."""
    concrete = f"/api/v1/{path}"
    templates = {
        "/api/v1/scorecards/countries/MA/": "/api/v1/scorecards/countries/{iso2}/",
        "/api/v1/scorecards/measures/6/": "/api/v1/scorecards/measures/{number}/",
        "/api/v1/scorecards/measures/2/": "/api/v1/scorecards/measures/{number}/",
        "/api/v1/scorecards/initiatives/5plus5/": "/api/v1/scorecards/initiatives/{slug}/",
    }
    return templates.get(concrete, concrete)


def test_no_response_of_any_operation_is_a_free_form_object():
    body = served_schema()
    found = []
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if content is not None:
                    where = f"{method} {path} {status}"
                    found += [
                        (where, spot)
                        for spot in openapi.free_form_objects(body, content["schema"], where)
                        if spot not in FREE_FORM
                    ]
    assert not found, found


@pytest.mark.parametrize("variant", VARIANTS, ids=["plain", "trend", "as-of", "filtered"])
@pytest.mark.parametrize("path", SCORECARDS)
def test_every_scorecard_is_exactly_what_the_schema_describes(users, path, variant):
    body = served_schema()
    for user in (users.reader, users.admin):
        response = client(user).get(url(path), variant)
        assert response.status_code == 200, response.content[:300]
        card = response.json()
        assert not openapi.errors(body, schema_path(path), card), (user, path, variant)
    if "compare_to" in variant:  # the optional parts were there to be checked
        rows = card.get("results") or card["measures"]
        assert "trend" in card or "trend" in rows[0] or "score_then" in rows[0]


def test_a_bilateral_measure_shows_its_typed_pairs(users):
    body = served_schema()
    card = client(users.admin).get(url("scorecards/measures/2/")).json()
    assert any(row.get("pairs") for row in card["results"])
    assert not openapi.errors(body, "/api/v1/scorecards/measures/{number}/", card)


def test_every_page_of_the_change_feed_is_what_the_schema_describes(users):
    body = served_schema()
    api, since, pages = client(users.admin), "0", 0
    while True:
        page = api.get(url("changes/"), {"since": since, "limit": 250}).json()
        assert not openapi.errors(body, "/api/v1/changes/", page)
        pages += 1
        if not page["results"]:
            break
        since = page["next"]
    assert pages > 2  # the seed is several pages at this size


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_and_its_first_row_are_what_the_schema_describes(users, resource):
    body = served_schema()
    api = client(users.admin)
    listed = api.get(url(f"{resource}/"), {"page_size": 1000}).json()
    assert listed["results"]
    assert not openapi.errors(body, f"/api/v1/{resource}/", listed)
    detail_path = next(
        p for p in body["paths"] if p.startswith(f"/api/v1/{resource}/{{") and p.count("/") == 5
    )
    key = detail_path.split("{")[1].rstrip("}/")
    first = listed["results"][0]
    one = api.get(url(f"{resource}/{first[key if key != 'iso2' else 'iso2']}/"))
    assert one.status_code == 200
    assert not openapi.errors(body, detail_path, one.json())


def test_every_example_in_the_schema_matches_its_schema():
    body = served_schema()
    checked = 0
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                for name, example in content.get("examples", {}).items():
                    found = openapi.errors(body, path, example["value"], method, status)
                    assert not found, (path, name, found)
                    checked += 1
    assert checked >= 6  # each scorecard and the change feed


@pytest.mark.parametrize("path", SCORECARDS)
def test_the_csv_columns_of_every_scorecard_are_listed_in_the_schema(users, path):
    body = served_schema()
    response = body["paths"][schema_path(path)]["get"]["responses"]["200"]
    assert response["content"]["text/csv"]["schema"] == {"type": "string"}
    for variant in ({}, {"compare_to": "2011-01-01"}):
        as_csv = client(users.reader).get(url(path), {**variant, "format": "csv"})
        header = as_csv.content.decode().splitlines()[0].split(",")
        fixed = [c for c in header if not c.startswith("measure_")]  # the matrix's columns
        for column in fixed:
            assert column in response["description"], (path, column)


def test_a_text_a_write_may_not_leave_blank_needs_a_non_space_character():
    """DRF trims texts before checking they are not blank: the schema says so
    with a pattern, so a client (or a fuzzer) knows "\\t" is no locator."""
    body = served_schema()["components"]["schemas"]
    evidence = body["EvidenceCreateRequest"]["properties"]
    assert evidence["locator"]["pattern"] == r"\S"
    assert "pattern" not in evidence["quote"]  # may be blank
    assert body["RetractRequest"]["properties"]["reason"]["pattern"] == r"\S"
    assert body["EvidenceCreateRequest"]["properties"]["reliability"]["pattern"] == "^[A-F][1-6]$"
