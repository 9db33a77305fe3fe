"""Checking real responses against the served OpenAPI schema (3.0, as
drf-spectacular writes it), with ``jsonschema``.

OpenAPI 3.0's schema objects are nearly JSON Schema: ``nullable`` becomes a
``null`` alternative here; everything else validates as it is. ``closed``
adds ``additionalProperties: false`` to every object that names its
properties, so a key the code emits and the schema does not describe is an
error: the description cannot drift behind the code.
"""

import datetime
import uuid

import jsonschema

REF_PREFIX = "#/components/schemas/"
ANNOTATIONS = {"nullable", "readOnly", "writeOnly", "example", "examples", "discriminator"}


def to_json_schema(node, closed=False):
    if isinstance(node, list):
        return [to_json_schema(item, closed) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(sub, closed) for name, sub in value.items()}
        else:
            out[key] = to_json_schema(value, closed)
    if closed and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def _date(value):
    return not isinstance(value, str) or bool(datetime.date.fromisoformat(value))


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    # RFC 3339: a full date and time with an offset (or Z).
    if not isinstance(value, str):
        return True
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value):
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


def validator(openapi, schema, closed=True):
    """A validator for ``schema`` (a schema object of ``openapi``, or a $ref to one)."""
    components = to_json_schema(openapi["components"]["schemas"], closed)
    root = {**to_json_schema(schema, closed), "components": {"schemas": components}}
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS)


def response_schema(openapi, path, method="get", status="200", media="application/json"):
    return openapi["paths"][path][method]["responses"][status]["content"][media]["schema"]


def errors(openapi, path, body, method="get", status="200", closed=True):
    """Every way ``body`` departs from the schema of that response, as text."""
    check = validator(openapi, response_schema(openapi, path, method, status), closed)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
        for e in check.iter_errors(body)
    ]


def resolve(openapi, schema):
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].removeprefix(REF_PREFIX)]
    return schema


def free_form_objects(openapi, schema, where, seen=None):
    """Every place under ``schema`` that is an object without named properties
    (``{"type": "object"}``, ``additionalProperties: {}`` or ``true``)."""
    seen = set() if seen is None else seen
    found = []
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        if name in seen:
            return found
        seen.add(name)
        return free_form_objects(openapi, resolve(openapi, schema), name, seen)
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and "properties" not in schema and extra in (None, True, {}):
        found.append(where)
    for key in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(schema.get(key, [])):
            found += free_form_objects(openapi, sub, f"{where}/{key}/{i}", seen)
    for name, sub in schema.get("properties", {}).items():
        found += free_form_objects(openapi, sub, f"{where}.{name}", seen)
    if isinstance(extra, dict) and extra:
        found += free_form_objects(openapi, extra, f"{where}[*]", seen)
    if "items" in schema:
        found += free_form_objects(openapi, schema["items"], f"{where}[]", seen)
    return found
