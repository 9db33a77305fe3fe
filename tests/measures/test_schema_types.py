"""The typed schema says exactly what the scorecards and the change feed send.

Real responses (and the schema's own examples) are validated against the
served schema with every object closed: a key the code sends and the schema
does not name is an error, so the description cannot fall behind the code.
The heavy fuzzing (tests/security/test_fuzz_api.py) checks conformance for
every operation on PostgreSQL; this is the fast guard on SQLite.
"""

import datetime

import jsonschema
import pytest
import yaml

from tests.api_helpers import assert_error, client, feed_cursor, url
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER  # date, date-time, uuid, ...
ANNOTATIONS = {"nullable", "readOnly", "writeOnly", "example", "examples", "description"}


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker):
    """The served schema, read once for the module (it is the same for everyone)."""
    with django_db_blocker.unblock():
        return yaml.safe_load(client().get(url("schema/")).content)


def closed(node):
    """An OpenAPI 3.0 schema object as JSON Schema, every object with named
    properties closed (``additionalProperties: false``)."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: closed(value) for key, value in node.items() if key not in ANNOTATIONS}
    if "properties" in node:
        out["properties"] = {name: closed(sub) for name, sub in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    if node.get("enum") is not None and node.get("nullable"):
        out["enum"] = [*node["enum"], None]
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def validator(openapi, path):
    operation = openapi["paths"][f"/api/v1/{path}"]["get"]
    content = operation["responses"]["200"]["content"]["application/json"]
    root = {**closed(content["schema"]), "components": closed(openapi["components"])}
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS), content


def problems(check, body):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in check.iter_errors(body)
    ]


# Each scorecard with its optional parts (trend, pairs, score_then), and the feed.
READS = [
    ("scorecards/countries/", "scorecards/countries/", {"compare_to": "2011-01-01"}),
    ("scorecards/countries/{iso2}/", "scorecards/countries/DZ/", {"compare_to": "2011-01-01"}),
    ("scorecards/measures/{number}/", "scorecards/measures/2/", {"compare_to": "2011-01-01"}),
    ("scorecards/measures/{number}/", "scorecards/measures/6/", {"as_of": "2012-01-01"}),
    (
        "scorecards/initiatives/{slug}/",
        "scorecards/initiatives/5plus5/",
        {"compare_to": "2011-01-01"},
    ),
    ("scorecards/matrix/", "scorecards/matrix/", {"compare_to": "2011-01-01"}),
    ("changes/", "changes/", {"limit": 1000}),  # the seed's records, of every kind
]


def test_every_scorecard_and_feed_page_is_exactly_what_the_schema_says(users, openapi):
    """As an admin (who sees the most), after a write: every key named, every
    type, enum and format as described; and the schema's examples too."""
    since = feed_cursor()
    assess(users.editor, cell_at(11, "DZ"), "agreed", datetime.date(2013, 3, 1))
    api = client(users.admin)
    for template, path, params in [*READS, ("changes/", "changes/", {"since": since})]:
        check, content = validator(openapi, template)
        response = api.get(url(path), params)
        assert response.status_code == 200, (path, response.content[:300])
        body = response.json()
        assert problems(check, body) == [], path
        assert problems(check, {**body, "unnamed": 1}) != []  # the check does bite
        for name, example in content.get("examples", {}).items():
            assert problems(check, example["value"]) == [], (template, name)


def test_writes_accept_what_the_schema_calls_valid_and_refuse_the_rest(users, openapi):
    """Found by the conformance fuzzing: a blank quote is valid in the schema,
    so it is no quote (201); a locator of spaces is blank once DRF trims it,
    so the schema says it needs one character that is not a space."""
    fields = openapi["components"]["schemas"]["EvidenceCreateRequest"]["properties"]
    assert "pattern" not in fields["quote"] and fields["locator"]["pattern"] == r"\S"
    body = {
        "source": "002",
        "occurred_on": "2013-03-01",
        "summary_en": "Joint patrol on the border.",
        "locator": "p. 4",
        "direction": "supports",
        "reliability": "B2",
        "cells": [cell_at(11, "DZ").pk],
    }
    api = client(users.editor)
    created = api.post(url("evidence/"), {**body, "quote": ""}, format="json")
    assert created.status_code == 201 and created.json()["quote"] == "", created.content[:300]
    assert_error(
        api.post(url("evidence/"), {**body, "locator": "  "}, format="json"), 400, "locator"
    )
