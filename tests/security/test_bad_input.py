"""The bad input catalogue, for every writable endpoint: malformed JSON, bodies
that are not objects, wrong types, huge bodies, NUL bytes, invalid dates,
unknown enums — each a clear 4xx in the uniform error body, and nothing
half-written. Plus huge pages and page sizes on the reads, and CSV injection:
text a spreadsheet would run as a formula (``= + - @``, tab, CR) comes out of
every CSV export neutralised with a leading ``'``.
"""

import csv
import io
import json
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cbm_tracker.api.renderers import CSVRenderer
from digests.models import Subscription
from tests.api_helpers import assert_error, client, footprint, url
from tests.factories import EvidenceFactory, SourceFactory, cell_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(users):
    cell = cell_at(11, "MA")
    evidence = EvidenceFactory(cells=[cell])
    # Every write below is sent by the admin: bodies carry the admin's version.
    return {"cell": cell, "evidence": evidence, "writer": users.admin}


def writes(ctx):
    """(name, method, path, a valid body, headers) for every writable endpoint."""
    cell, evidence = ctx["cell"], ctx["evidence"]
    return [
        (
            "POST assessments",
            "post",
            url("assessments/"),
            {
                "cell": cell.pk,
                "expected_version": cell.version_for(ctx["writer"]),
                "level": "agreed",
                "effective_on": "2013-05-01",
                "rationale_en": "Agreed.",
            },
            {},
        ),
        (
            "PATCH cells",
            "patch",
            url(f"cells/{cell.pk}/"),
            {"level": "agreed", "effective_on": "2013-05-01", "rationale": "Agreed."},
            {"HTTP_IF_MATCH": "*"},
        ),
        (
            "POST evidence",
            "post",
            url("evidence/"),
            {
                "source": "002",
                "occurred_on": "2013-03-01",
                "summary_en": "A fact.",
                "locator": "p. 4",
                "direction": "supports",
                "reliability": "B2",
            },
            {},
        ),
        (
            "PATCH evidence",
            "patch",
            url(f"evidence/{evidence.public_id}/"),
            {"marking": {"level": "restricted"}, "reason": "Re-marked."},
            {"HTTP_IF_MATCH": "*"},
        ),
        (
            "retract evidence",
            "post",
            url(f"evidence/{evidence.public_id}/retract/"),
            {"reason": "Wrong."},
            {"HTTP_IF_MATCH": "*"},
        ),
        ("POST subscriptions", "post", url("subscriptions/"), {"countries": ["MA"]}, {}),
    ]


WRITE_NAMES = [
    "POST assessments",
    "PATCH cells",
    "POST evidence",
    "PATCH evidence",
    "retract evidence",
    "POST subscriptions",
]

# What each endpoint's body gets wrong, per kind of bad input: (field, value).
WRONG = {
    "wrong type": {
        "POST assessments": ("expected_version", "1"),
        "PATCH cells": ("rationale", 42),
        "POST evidence": ("locator", ["p. 4"]),
        "PATCH evidence": ("reason", {"why": "x"}),
        "retract evidence": ("reason", 0),
        "POST subscriptions": ("paused", "yes"),
    },
    "NUL byte": {
        "POST assessments": ("rationale_en", "a\x00b"),
        "PATCH cells": ("rationale", "\x00"),
        "POST evidence": ("summary_en", "nul\x00here"),
        "PATCH evidence": ("reason", "x\x00"),
        "retract evidence": ("reason", "\x00"),
        "POST subscriptions": ("countries", ["M\x00A"]),
    },
    "invalid date": {
        "POST assessments": ("effective_on", "2013-02-30"),
        "PATCH cells": ("effective_on", "01/02/2013"),
        "POST evidence": ("occurred_on", "99999-01-01"),
    },
    "unknown enum": {
        "POST assessments": ("level", "finished"),
        "PATCH cells": ("effective_precision", "week"),
        "POST evidence": ("direction", "sideways"),
        "PATCH evidence": ("marking", {"level": "secret"}),
        "POST subscriptions": ("language", "de"),
    },
}
CASES = [(kind, name) for kind, table in WRONG.items() for name in table]


def everything():
    return footprint(), list(Subscription.objects.values_list("pk", "version"))


def send(api, method, path, body, headers, **kwargs):
    return getattr(api, method)(path, body, **headers, **kwargs)


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}:{n}" for k, n in CASES])
@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_bad_value_is_a_400_naming_the_field_and_writes_nothing(users, ctx, kind, name):
    _name, method, path, body, headers = next(w for w in writes(ctx) if w[0] == name)
    field, value = WRONG[kind][name]
    before = everything()
    response = send(client(users.admin), method, path, {**body, field: value}, headers)
    assert_error(response, 400, field)
    assert everything() == before
    # The same body, right, is accepted (the 400 was the bad value's).
    good = send(client(users.admin), method, path, body, headers)
    assert good.status_code in (200, 201), good.content[:300]


@pytest.mark.parametrize("name", WRITE_NAMES)
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "parse_error"),
        ('{"level": "agreed",}', "parse_error"),
        ("[1, 2]", "invalid"),
        ('"text"', "invalid"),
        ("null", "invalid"),
        ("42", "invalid"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "parse_error"),  # nesting too deep to parse
    ],
    ids=["truncated", "trailing-comma", "array", "string", "null", "number", "deep"],
)
def test_malformed_json_is_a_400_and_writes_nothing(users, ctx, name, raw, code):
    _name, method, path, _body, headers = next(w for w in writes(ctx) if w[0] == name)
    before = everything()
    response = getattr(client(users.admin), method)(
        path, raw, content_type="application/json", **headers
    )
    body = assert_error(response, 400)
    assert body["code"] == code, body
    assert everything() == before


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_a_body_over_the_limit_is_a_413_before_anything_reads_it(users, ctx, name):
    _name, method, path, body, headers = next(w for w in writes(ctx) if w[0] == name)
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 1024 * 1024
    huge = json.dumps({**body, "rationale_en": "x" * limit})
    before = everything()
    response = getattr(client(users.admin), method)(
        path, huge, content_type="application/json", **headers
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert everything() == before


def test_a_long_text_under_the_body_limit_is_refused_by_the_field_limit(users, ctx):
    _name, method, path, body, headers = writes(ctx)[0]
    before = everything()
    response = client(users.admin).post(path, {**body, "rationale_en": "x" * 100_000})
    assert_error(response, 400, "rationale_en")
    assert everything() == before


def test_a_body_in_another_media_type_is_a_415(users, ctx):
    for _name, method, path, _body, headers in writes(ctx):
        response = getattr(client(users.admin), method)(
            path, "level=agreed", content_type="application/x-www-form-urlencoded", **headers
        )
        assert_error(response, 415)


def test_huge_pages_and_page_sizes_are_answered_not_crashed(users):
    api = client(users.reader)
    for path in ("cells/", "evidence/", "assessments/", "countries/"):
        capped = api.get(url(path), {"page_size": 10**12})
        assert capped.status_code == 200 and len(capped.json()["results"]) <= 1000
        assert_error(api.get(url(path), {"page": 10**30}), 404)
        assert_error(api.get(url(path), {"page": -1}), 400, "page")
        assert_error(api.get(url(path), {"page_size": "1e9"}), 400, "page_size")
    assert_error(api.get(url("changes/"), {"limit": 10**30}), 400, "limit")
    assert_error(api.get(url("changes/"), {"since": "9" * 40}), 400, "since")
    assert_error(api.get(url("changes/"), {"since": "9" * 32}), 400, "since")  # no dashes
    assert_error(api.get(url("changes/"), {"since": str(uuid.UUID(int=2**128 - 1))}), 400, "since")


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "2012-02-30"},
        {"as_of": "yesterday"},
        {"compare_to": "1/2/2012"},
        {"as_of": "0000-01-01"},
        {"scope": "global"},
        {"domain": "space"},
        {"region": "atlantis"},
        {"country": "XX"},
        {"measure": "1e3"},
        {"format": "xlsx"},
    ],
)
def test_a_bad_scorecard_query_is_a_4xx_in_json_even_for_csv(users, query):
    response = client(users.reader).get(url("scorecards/countries/"), {**query})
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    csv_response = client(users.reader).get(
        url("scorecards/countries/"), {**query, "format": "csv"} if "format" not in query else query
    )
    assert 400 <= csv_response.status_code < 500


def test_nul_bytes_in_paths_and_queries_are_a_400(users):
    api = client(users.reader)
    assert_error(api.get(url("countries/M%00A/")), 400, "path")
    assert_error(api.get(f"{url('evidence/')}?q=x%00y"), 400, "query")
    assert Client().get("/countries/M%00A/").status_code == 400


# --- CSV injection ------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1"]


def cells_of(text):
    return [value for row in csv.reader(io.StringIO(text)) for value in row]


def test_formulas_in_exports_are_neutralised(users):
    cell = cell_at(11, "MA")
    source = SourceFactory(title=FORMULAS[0])
    for formula in FORMULAS:
        EvidenceFactory(source=source, summary_en=formula, locator=formula, cells=[cell])
    browser = Client()
    browser.force_login(users.admin)
    exports = [
        browser.get(f"/cells/{cell.pk}/", {"format": "csv", "table": "evidence"}),
        browser.get("/sources/", {"format": "csv", "table": "sources"}),
    ]
    seen = 0
    for response in exports:
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"].startswith("text/csv")
        for value in cells_of(response.content.decode()):
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
            seen += value.lstrip("'") in FORMULAS
    assert seen >= len(FORMULAS)  # they are there, neutralised


def test_the_api_csv_renderer_neutralises_every_text_cell():

    data = {"columns": ["a", "b"], "rows": [[formula, 1] for formula in FORMULAS]}
    for value in cells_of(CSVRenderer().render(data).decode()):
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
