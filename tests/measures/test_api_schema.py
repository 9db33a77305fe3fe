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
from digests import services as digest_services
from tests.api_helpers import client, token_for, url
from webhooks import services as webhook_services

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
        "/api/v1/cells/{id}/",
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
            for code in codes - {"200", "201", "202", "204", "304"}:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)


def test_writes_that_need_if_match_say_so():
    body = schema()
    for path, method in [
        ("/api/v1/cells/{id}/", "patch"),
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


def test_no_operation_answers_a_free_form_object():
    """Every 200 and 201 in JSON is described field by field: a generated
    client gets named, typed models, never a bag of ``additional_properties``."""
    body = schema()
    found = []
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            for code in ("200", "201"):
                response = operation.get("responses", {}).get(code, {})
                content = response.get("content", {}).get("application/json")
                if content is not None:
                    found += free_form_objects(body, content["schema"], f"{method} {path} {code}")
    assert found == []


def free_form_objects(openapi, node, where, seen=None):
    """Every place under ``node`` that is an object without named properties
    (``{"type": "object"}``, ``additionalProperties: {}`` or ``true``), or
    a value of any type at all (``{}``)."""
    seen = set() if seen is None else seen
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        if name in seen:
            return []
        seen.add(name)
        return free_form_objects(openapi, openapi["components"]["schemas"][name], name, seen)
    extra = node.get("additionalProperties")
    found = []
    if node == {} or (
        node.get("type") == "object" and "properties" not in node and extra in (None, True, {})
    ):
        found.append(where)
    for key in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(node.get(key, [])):
            found += free_form_objects(openapi, sub, f"{where}/{key}/{i}", seen)
    for name, sub in node.get("properties", {}).items():
        found += free_form_objects(openapi, sub, f"{where}.{name}", seen)
    if isinstance(extra, dict) and extra:
        found += free_form_objects(openapi, extra, f"{where}[*]", seen)
    if "items" in node:
        found += free_form_objects(openapi, node["items"], f"{where}[]", seen)
    return found


def test_the_schema_says_which_reads_answer_304_and_they_do(users):
    """A read documented with a 304 sends an ETag and answers If-None-Match
    with a bodiless 304; a read without one sends no ETag (the feed pages by
    cursor, the week, /me and tokens are never cached by the client)."""
    admin = users.admin
    digest_services.subscribe(admin, language="en")
    webhook_services.create_webhook(admin, url="http://127.0.0.1:9/hook")
    api = client(token=token_for(admin))
    fill = {"iso2": "MA", "number": "6", "slug": "5plus5"}  # scorecards
    # Resources without a row of the admin's in the seed, and why none is made.
    unfilled = {"/api/v1/proposals/{id}/", "/api/v1/replies/{id}/"}  # none seeded; review tests
    checked = set()
    for template, operations in schema()["paths"].items():
        if "get" not in operations or template in unfilled:
            continue
        path = template
        if found := re.search(r"\{(\w+)\}", template):
            name = found.group(1)
            if template.startswith("/api/v1/scorecards/"):
                value = fill[name]
            else:  # the first row of the resource's list, by its lookup field
                listed = api.get(template[: found.start()]).json()
                rows = listed["results"] if isinstance(listed, dict) else listed
                value = str(rows[0][name])
            path = template.replace(found.group(0), value)
        query = {"q": "hotline"} if template == "/api/v1/search/" else {}  # q is required
        response = api.get(path, query)
        assert response.status_code == 200, (path, response.status_code)
        if "304" in operations["get"]["responses"]:
            etag = response["ETag"]
            again = api.get(path, query, HTTP_IF_NONE_MATCH=etag)
            assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag), path
        else:
            assert not response.has_header("ETag"), path
        checked.add(template)
    assert {"/api/v1/scorecards/matrix/", "/api/v1/cells/{id}/", "/api/v1/changes/"} <= checked
    assert len(checked) >= 35
