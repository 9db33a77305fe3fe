"""Fuzzing the API against its own OpenAPI schema (schemathesis), on PostgreSQL,
as anonymous, reader, editor and admin: every operation, ≥ 200 generated
examples each with a fixed seed, every check schemathesis has, plus a stateful
run that follows the schema's links (create assessment → read its cell, read a
cell → PATCH it with the ETag in If-Match, ...).

What must hold: no server error; every response conforms to the schema —
its status is one the operation documents, its content type one it
declares, its headers and its body valid against the declared schema,
formats (date, date-time, uuid, uri) included; no schema-violating request
accepted, no schema-valid request refused except for the documented
reasons below, and no operation that ignores authentication. Every body is
described field by field (tests/measures/test_api_schema.py), so the body
check compares each field, not a free-form object.

Checks adjusted (docs/security.md, "Fuzzing"):

- ``positive_data_acceptance`` is replaced by ``valid_data_is_accepted`` below:
  the built-in one cannot know that a schema-valid id, code or slug may name
  no row (or one hidden from the caller: a 400 "not a valid choice" in a
  filter, like a typo), nor the documented preconditions (a stale If-Match or
  expected_version is a 412). Ours allows exactly those and nothing else.
- ``missing_required_header`` also accepts 428 Precondition Required, the
  documented answer to a write without If-Match.
"""

import os
import re
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api_helpers import token_for

pytestmark = [pytest.mark.postgres, pytest.mark.heavy, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("CBM_FUZZ_EXAMPLES", "200"))  # per operation and caller: ≥ 200 in CI
# Anonymous callers are refused before anything they send is read: a tenth
# of the examples shows that for every operation, the signed-in callers'
# EXAMPLES each explore the inputs.
ANONYMOUS_EXAMPLES = max(EXAMPLES // 10, 10)
SEED = 20101126  # fixed: the same requests on every run
ROLES = ["reader", "editor", "admin"]

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # Response conformance, named so that no configuration turns it off.
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True, "validate-formats": True},
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
        },
        # NUL bytes are refused by design (docs/api.md; test_bad_input.py covers them).
        "generation": {"allow-x00": False},
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG
)

# A schema-valid request may still be refused with a 400 that names one of these
# fields: each holds the id, code or slug of a row that may not exist (or that
# the caller may not see), or takes part in a documented cross-field rule.
DATA_DEPENDENT = {
    "country",  # ISO code of a country the tracker has
    "countries",
    "partner",
    "measure",  # a measure number that exists
    "measures",
    "initiative",  # a slug the caller may see
    "initiatives",
    "region",
    "source",  # a source key the caller may see
    "cell",  # a cell id
    "status",  # the deprecated name of cell
    "cells",
    "evidence",  # evidence ids the caller may see, not retracted
    "since",  # a change-feed cursor: the id of a record that exists
    "effective_on",  # not in the future (a date's schema has no upper bound)
    "marking",  # releasable-to codes that exist; marked at least as high as what it rests on
    "rationale_en",  # a rationale in English or French
    "summary_en",  # a summary in English or French
    "retracted",  # already retracted
    "non_field_errors",  # one subscription per user; PATCH /evidence/ changes one thing
    "email",  # subscribing needs an e-mail address on the account
    "assessment",  # the id of an assessment the caller may see (a reply answers it)
    "text_en",  # a reply in English or French
    "url",  # a webhook's address must resolve to a public one (docs/api.md, Webhooks)
}
ACCEPTED = {401, 403, 404, 409, 429}


@schemathesis.check
def valid_data_is_accepted(ctx, response, case):
    """Schema-valid data is accepted (2xx, 3xx, or refused for who is asking),
    unless the 400 names only data-dependent fields, or a precondition the
    caller sent is stale (412)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    code = response.status_code
    if code < 400 or code in ACCEPTED:
        return None
    if code == 412:
        sent_version = isinstance(case.body, dict) and "expected_version" in case.body
        assert sent_version or "If-Match" in (case.headers or {}), "412 without a precondition"
        return None
    if code == 400:
        # A nested field's errors are named by their path (``cells.0.cell``).
        fields = {name.split(".")[0] for name in response.json().get("fields", {})}
        assert fields and fields <= DATA_DEPENDENT, f"schema-valid request refused: {fields}"
        return None
    raise AssertionError(f"schema-valid request refused with {code}")


@pytest.fixture(autouse=True)
def one_connection():
    """The WSGI handler closes the database connection after each request; the
    test's transaction lives on it (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(users, settings):
    """The headers of each caller: its token (none for anonymous), and plain
    bodies — schemathesis's WSGI transport asks for gzip but does not unpack
    it (compression has its own tests: tests/pages/test_compression.py)."""
    settings.CBM_PUBLIC_READ = False
    plain = {"Accept-Encoding": "identity"}
    headers = {"anonymous": plain}
    for role, user in [("reader", users.reader), ("editor", users.editor), ("admin", users.admin)]:
        # Outliving any token it may mint, so POST /tokens/ is refused for its body only.
        headers[role] = {**plain, "Authorization": f"Token {token_for(user, days=366)}"}
    return headers


@pytest.fixture
def caller(request, tokens):
    return tokens[request.param]


@pytest.mark.parametrize("caller", ROLES, indirect=True)
@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, caller):
    """Every operation, as each signed-in caller: EXAMPLES generated requests each."""
    case.call_and_validate(headers=caller, excluded_checks=[positive_data_acceptance])


@pytest.mark.parametrize("caller", ["anonymous"], indirect=True)
@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=ANONYMOUS_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_refuses_anonymous_callers_by_the_schema(case, caller):
    """Every operation, anonymously: refused as documented, whatever is sent."""
    case.call_and_validate(headers=caller, excluded_checks=[positive_data_acceptance])


@schemathesis.hook
def map_body(ctx, body):
    """A webhook's address keeps its generated scheme, port and path but points
    at the loopback: the tests make no DNS lookups (webhooks/targets.py
    resolves every address it is given), and need no network."""
    if isinstance(body, dict) and isinstance(body.get("url"), str):
        try:
            host = urlsplit(body["url"]).hostname
        except ValueError:
            host = None
        if host:
            body["url"] = re.sub(re.escape(host), "127.0.0.1", body["url"], count=1, flags=re.I)
    return body


@pytest.mark.parametrize("caller", ["editor", "admin"], indirect=True)
def test_stateful_workflows_follow_the_links(caller):
    """Random sequences along the schema's links: each response is checked as
    above, and a resource a link says exists must be there."""

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": caller}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(
                response, headers=caller, excluded_checks=[positive_data_acceptance]
            )

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=40,
            stateful_step_count=8,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
