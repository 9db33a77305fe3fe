"""A typed client generated from the served schema works against a live server.

As a REST client would: ``openapi-python-client`` (a dev dependency) turns
``/api/v1/schema/?format=json`` into a Python package, in a subprocess, into a
temporary directory, with no network (proxies pointed at a closed port: it
needs none, the schema is a local file). The package is imported and used
over HTTP against pytest-django's live server: every scorecard, the change
feed paged by its cursors, and an assessment recorded with If-Match.

What must hold: each response parses into the generated models (not a
free-form ``additional_properties`` dictionary anywhere in the tree), each
field has its declared Python type (dates are ``datetime.date``, ids
``UUID``, levels the generated enums), the values are those the tracker
computes for that caller, and each model serialises back to exactly the
JSON the server sent.
"""

import datetime
import hashlib
import importlib
import json
import os
import subprocess
import sys
import uuid

import attrs
import httpx
import pytest

from measures import scorecards
from measures.api.scorecard_views import FEED_EXCLUDED_MODELS
from measures.models import Assessment, ChangeRecord
from tests.api_helpers import no_throttles, token_for  # noqa: F401 (autouse fixture)
from tests.factories import cell

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PACKAGE = "cbm_tracker_client"
GENERATOR = [sys.executable, "-m", "openapi_python_client"]
CONFIG = f"""\
project_name_override: cbm-tracker-client
package_name_override: {PACKAGE}
post_hooks: []
"""
D = datetime.date
_generated = {}  # schema digest -> the imported package (one generation per schema)


def generate_client(base_url, workdir):
    """Generate the client from the schema the live server serves; import it."""
    schema = httpx.get(f"{base_url}/api/v1/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200, schema.text[:300]
    digest = hashlib.sha256(schema.content).hexdigest()
    if digest in _generated:
        return _generated[digest]
    (workdir / "schema.json").write_bytes(schema.content)
    (workdir / "config.yaml").write_text(CONFIG)
    offline = {
        **os.environ,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "ALL_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    done = subprocess.run(
        [
            *GENERATOR,
            "generate",
            "--path",
            "schema.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            str(workdir / PACKAGE),
        ],
        cwd=workdir,
        env=offline,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The generator warns about what it could not type; there must be nothing.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(workdir))
    try:
        package = importlib.import_module(PACKAGE)
        for name in ("api.scorecards", "api.changes", "api.statuses", "models", "types"):
            importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(workdir))
    _generated[digest] = package
    return package


@pytest.fixture
def generated(live_server, tmp_path):
    return generate_client(live_server.url, tmp_path)


@pytest.fixture
def api(generated, live_server):
    """A generated client for a user, with a token of theirs. Closed at the end:
    the live server's thread for a kept-alive connection then closes its
    database connection, and the test database can be dropped."""
    opened = []

    def client_for(user):
        client = generated.AuthenticatedClient(
            base_url=live_server.url, token=token_for(user), prefix="Token", timeout=60
        )
        opened.append(client)
        return client

    yield client_for
    for client in opened:
        client.get_httpx_client().close()


def call(operation, **kwargs):
    """A typed call: the parsed object, with the raw response to compare."""
    response = operation.sync_detailed(**kwargs)
    return response.parsed, response


def typed_tree(obj, path="$", free_form=()):
    """Every attrs model under ``obj``: none may carry additional_properties
    (a field the schema did not name) and none may be a plain dict, except
    the free-form snapshots named in ``free_form``."""
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            typed_tree(item, f"{path}[{i}]", free_form)
        return
    assert not isinstance(obj, dict), f"{path} is an untyped dict"
    if not attrs.has(type(obj)):
        return
    if type(obj).__name__ in free_form:
        return
    assert getattr(obj, "additional_properties", {}) == {}, (path, obj.additional_properties)
    for field in attrs.fields(type(obj)):
        if field.name != "additional_properties":
            typed_tree(getattr(obj, field.name), f"{path}.{field.name}", free_form)


def same_json(model, response):
    assert model.to_dict() == json.loads(response.content)


def test_a_generated_client_reads_every_scorecard_as_typed_models(api, users):
    from cbm_tracker_client.api.scorecards import (
        scorecards_countries_list,
        scorecards_country,
        scorecards_initiative,
        scorecards_matrix,
        scorecards_measure,
    )
    from cbm_tracker_client.models import (
        CellLevelEnum,
        CountriesScorecard,
        CountryMeasureScore,
        CountryScorecard,
        CountryScoreRow,
        InitiativeScorecard,
        InitiativeScoreRow,
        LevelCounts,
        MatrixCell,
        MatrixScorecard,
        MeasureScorecard,
        PairCell,
        RoleEnum,
        ScopeEnum,
        ScoreLevelEnum,
        ScoreTrend,
    )
    from cbm_tracker_client.types import Unset

    reader = users.reader
    client = api(reader)
    then = D(2011, 1, 1)

    card, raw = call(scorecards_countries_list, client=client, compare_to=then)
    expected = scorecards.countries_scorecard(reader, compare_to=then)
    assert isinstance(card, CountriesScorecard) and card.compare_to == then
    assert card.as_of is None
    typed_tree(card)
    same_json(card, raw)
    assert [r.country for r in card.results] == [r["country"] for r in expected["results"]]
    for row, want in zip(card.results, expected["results"], strict=True):
        assert isinstance(row, CountryScoreRow) and isinstance(row.counts, LevelCounts)
        assert (row.score, row.rated, row.unrated) == (
            want["score"],
            want["rated"],
            want["unrated"],
        )
        assert row.counts.no_evidence == want["counts"]["no_evidence"]
        assert row.counts.mixed == want["counts"]["mixed"]
        assert row.last_evidence_on == want["last_evidence_on"]
        assert isinstance(row.trend, ScoreTrend) and row.trend.compare_to == then
        assert (row.trend.score, row.trend.delta) == (
            want["trend"]["score"],
            want["trend"]["delta"],
        )

    card, raw = call(scorecards_country, iso2="MA", client=client)
    expected = scorecards.country_scorecard(reader, "MA")
    assert isinstance(card, CountryScorecard) and card.country == "MA"
    assert card.name_fr == "Maroc" and isinstance(card.trend, Unset)
    typed_tree(card)
    same_json(card, raw)
    assert card.score == expected["score"]
    for entry, want in zip(card.measures, expected["measures"], strict=True):
        assert isinstance(entry, CountryMeasureScore) and entry.measure == want["measure"]
        assert entry.level == ScoreLevelEnum(want["level"]) and entry.value == want["value"]
        assert entry.effective_on == want["effective_on"]
        assert entry.scope == ScopeEnum(want["scope"])
        if want["scope"] == "bilateral":
            assert [p.partner for p in entry.pairs] == [p["partner"] for p in want["pairs"]]
            assert all(isinstance(p, PairCell) for p in entry.pairs)
            assert all(isinstance(p.level, CellLevelEnum) for p in entry.pairs)
        else:
            assert isinstance(entry.pairs, Unset)
    six = next(e for e in card.measures if e.measure == 6)
    assert (six.level, six.value, six.effective_on) == (ScoreLevelEnum.PARTIAL, 0.75, D(2010, 1, 1))

    card, raw = call(scorecards_measure, number=2, client=client, compare_to=then)
    expected = scorecards.measure_scorecard(reader, 2, compare_to=then)
    assert isinstance(card, MeasureScorecard) and card.scope == ScopeEnum.BILATERAL
    typed_tree(card)
    same_json(card, raw)
    algeria = next(r for r in card.results if r.country == "DZ")
    want = next(r for r in expected["results"] if r["country"] == "DZ")
    assert algeria.level == ScoreLevelEnum(want["level"]) == ScoreLevelEnum.MIXED
    assert algeria.value == want["value"] and algeria.evidence_count == want["evidence_count"]
    assert {p.partner: p.level.value for p in algeria.pairs} == {
        p["partner"]: p["level"] for p in want["pairs"]
    }
    assert algeria.trend.compare_to == then and algeria.trend.level == ScoreLevelEnum(
        want["trend"]["level"]
    )

    card, raw = call(scorecards_initiative, slug="5plus5", client=client)
    expected = scorecards.initiative_scorecard(reader, "5plus5")
    assert isinstance(card, InitiativeScorecard) and card.initiative == "5plus5"
    assert card.measures == expected["measures"]
    typed_tree(card)
    same_json(card, raw)
    assert all(isinstance(r, InitiativeScoreRow) for r in card.results)
    assert {r.country: r.role for r in card.results} == {
        r["country"]: RoleEnum(r["role"]) for r in expected["results"]
    }

    card, raw = call(scorecards_matrix, client=client, compare_to=then, measure=[2, 6])
    assert isinstance(card, MatrixScorecard)
    assert [m.number for m in card.measures] == [2, 6]
    typed_tree(card)
    same_json(card, raw)
    expected = scorecards.matrix(
        reader, filters=scorecards.Filters(measures=(2, 6)), compare_to=then
    )
    for row, want in zip(card.results, expected["results"], strict=True):
        assert row.country == want["country"] and row.score_then == want["score_then"]
        assert all(isinstance(c, MatrixCell) for c in row.cells)
        assert [(c.measure, c.level.value, c.value) for c in row.cells] == [
            (c["measure"], c["level"], c["value"]) for c in want["cells"]
        ]


def test_a_generated_client_pages_the_feed_and_records_an_assessment_with_if_match(api, users):
    from cbm_tracker_client.api.changes import changes_retrieve
    from cbm_tracker_client.api.statuses import statuses_partial_update, statuses_retrieve
    from cbm_tracker_client.models import (
        ActionEnum,
        CellLevelEnum,
        ChangeFeedPage,
        ChangeFeedRecord,
        Error,
        LevelEnum,
        Status,
        StatusUpdateRequest,
    )

    editor = users.editor
    client = api(editor)

    # Page through the whole feed with its cursors.
    seen, since, pages = [], "0", 0
    while True:
        page, raw = call(changes_retrieve, client=client, since=since, limit=300)
        assert isinstance(page, ChangeFeedPage), raw.content[:300]
        typed_tree(page, free_form=("ChangeFeedRecordBeforeType0", "ChangeFeedRecordAfterType0"))
        same_json(page, raw)
        assert page.since == since
        pages += 1
        for record in page.results:
            assert isinstance(record, ChangeFeedRecord) and isinstance(record.id, uuid.UUID)
            assert isinstance(record.time, datetime.datetime) and record.time.tzinfo
            assert isinstance(record.action, ActionEnum)
        seen += [r.id for r in page.results]
        if not page.results:
            assert str(page.next_) == since  # caught up: the same cursor back
            break
        assert isinstance(page.next_, uuid.UUID) and page.next_ == page.results[-1].id
        since = str(page.next_)
    assert pages > 2 and len(seen) == len(set(seen))
    visible = ChangeRecord.objects.visible_to(editor).exclude(
        content_type__model__in=FEED_EXCLUDED_MODELS
    )
    assert set(seen) == set(visible.values_list("public_id", flat=True))

    # Read a cell, then record an assessment on it with its ETag in If-Match.
    target = cell(11, "DZ")
    status, raw = call(statuses_retrieve, id=target.pk, client=client)
    assert isinstance(status, Status) and status.measure == 11 and status.country == "DZ"
    assert isinstance(status.level, CellLevelEnum)
    typed_tree(status)
    etag = raw.headers["ETag"]
    body = StatusUpdateRequest(
        level=LevelEnum.UNDER_DISCUSSION,
        effective_on=D(2013, 3, 1),
        rationale="Raised at the 5+5 ministerial.",
    )
    updated, raw = call(
        statuses_partial_update, id=target.pk, client=client, body=body, if_match=etag
    )
    assert raw.status_code == 200, raw.content[:300]
    assert isinstance(updated, Status)
    typed_tree(updated)
    same_json(updated, raw)
    assert updated.level == CellLevelEnum.UNDER_DISCUSSION
    assert updated.effective_on == D(2013, 3, 1) and updated.version == status.version + 1
    assert raw.headers["ETag"] != etag

    # The same ETag again is stale: a typed error, and nothing written.
    stale, raw = call(
        statuses_partial_update, id=target.pk, client=client, body=body, if_match=etag
    )
    assert raw.status_code == 412 and isinstance(stale, Error)
    assert (stale.status, stale.code) == (412, "precondition_failed")

    # The feed, from the cursor where paging stopped, now holds that assessment.
    recorded = Assessment.objects.filter(status=target).latest("recorded_at")
    page, raw = call(changes_retrieve, client=client, since=since)
    mine = [r for r in page.results if r.type_ == "assessment"]
    assert [(r.object_id, r.action, r.actor) for r in mine] == [
        (str(recorded.public_id), ActionEnum.CREATE, editor.username)
    ]
    assert recorded.rationale_en == "Raised at the 5+5 ministerial."
