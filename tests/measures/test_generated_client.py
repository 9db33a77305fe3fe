"""A typed client generated from the served schema works against a live server.

As a REST client would: ``openapi-python-client`` (a dev dependency) turns
the schema the live server serves (``/api/v1/schema/?format=json``) into a
Python package, once for the module, in a subprocess, from a local file and
with every proxy pointed at a closed port (it needs no network). The package
is imported and used over HTTP against pytest-django's live server: every
scorecard, the change feed paged by its cursors, and an assessment recorded
with If-Match.

What must hold: each response parses into the generated models (no field
left in an ``additional_properties`` dictionary anywhere in the tree, except
the feed's snapshots, which are a row's fields by nature), each field has
its declared Python type (dates are ``datetime.date``, ids ``UUID``, levels
the generated enums), the values are those the tracker computes for that
caller, and each model serialises back to exactly the JSON the server sent.

Transactional: the live server's thread reads with a connection of its own,
so the users and tokens of the test must be committed.
"""

import datetime
import importlib
import json
import os
import subprocess
import sys
import uuid

import attrs
import httpx
import pytest

from measures.models import Assessment, ChangeRecord
from measures.reads import changes, scorecards
from tests.api_helpers import token_for
from tests.factories import cell_at

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PACKAGE = "cbm_tracker_client"
CONFIG = f"""\
project_name_override: cbm-tracker-client
package_name_override: {PACKAGE}
post_hooks: []
# The data package is a zip; the generator knows binary bodies by the generic
# type only (it then hands back the bytes).
content_type_overrides:
  application/zip: application/octet-stream
"""
CLOSED_PORT = "http://127.0.0.1:9"
D = datetime.date
# The feed's before/after: a row's fields, whatever the row (typed values, open keys).
SNAPSHOTS = ("ChangeRecordBeforeType0", "ChangeRecordAfterType0")


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory):
    """The client package, generated from the live server's schema and imported."""
    workdir = tmp_path_factory.mktemp("client")
    schema = httpx.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=60)
    assert schema.status_code == 200, schema.text[:300]
    (workdir / "schema.json").write_bytes(schema.content)
    (workdir / "config.yaml").write_text(CONFIG)
    offline = {**os.environ, "HTTP_PROXY": CLOSED_PORT, "HTTPS_PROXY": CLOSED_PORT}
    offline.update(ALL_PROXY=CLOSED_PORT, NO_PROXY="")
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", "schema.json"]
        + ["--config", "config.yaml", "--meta", "none", "--output-path", PACKAGE],
        cwd=workdir,
        env=offline,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    # The generator warns about what it could not type: there must be nothing.
    assert done.returncode == 0 and "Warning" not in output, output
    sys.path.insert(0, str(workdir))
    try:
        package = importlib.import_module(PACKAGE)
        importlib.import_module(f"{PACKAGE}.models")
    finally:
        sys.path.remove(str(workdir))
    return package


@pytest.fixture
def api(generated, live_server):
    """``api.client(user)``: an authenticated generated client; ``api.call(group,
    operation, ...)``: a typed call; ``api.models``: the generated models.
    Clients are closed at the end, so the live server's threads let go of
    their database connections before the test database is flushed."""
    opened = []

    class Api:
        models = importlib.import_module(f"{PACKAGE}.models")
        unset = importlib.import_module(f"{PACKAGE}.types").Unset

        @staticmethod
        def client(user):
            client = generated.AuthenticatedClient(
                base_url=live_server.url, token=token_for(user), prefix="Token", timeout=60
            )
            opened.append(client)
            return client

        @staticmethod
        def call(group, operation, **kwargs):
            module = importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")
            response = module.sync_detailed(**kwargs)
            return response.parsed, response

    yield Api
    for client in opened:
        client.get_httpx_client().close()


def typed_tree(obj, path="$"):
    """No generated model under ``obj`` holds a field the schema did not name
    (``additional_properties``), and nothing is left a plain dict."""
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            typed_tree(item, f"{path}[{i}]")
        return
    assert not isinstance(obj, dict), f"{path} is an untyped dict"
    if not attrs.has(type(obj)) or type(obj).__name__ in SNAPSHOTS:
        return
    assert obj.additional_properties == {}, (path, obj.additional_properties)
    for field in attrs.fields(type(obj)):
        if field.name != "additional_properties":
            typed_tree(getattr(obj, field.name), f"{path}.{field.name}")


def parsed_as(model, parsed, response):
    """``parsed`` is a ``model``, typed throughout, and says what the server sent."""
    assert isinstance(parsed, model), (response.status_code, response.content[:300])
    typed_tree(parsed)
    assert parsed.to_dict() == json.loads(response.content)
    return parsed


def test_a_generated_client_reads_pages_and_records_with_typed_models(api, users, review_off):
    """One test: each transactional test costs a flush and a reseed."""
    read_every_scorecard(api, users.reader)
    page_the_feed_and_record_with_if_match(api, users.editor)


def read_every_scorecard(api, reader):
    m, then = api.models, D(2011, 1, 1)
    client = api.client(reader)

    card = parsed_as(
        m.CountriesScorecard,
        *api.call("scorecards", "scorecards_countries_list", client=client, compare_to=then),
    )
    expected = scorecards.countries_scorecard(reader, compare_to=then)
    assert card.as_of is None and card.compare_to == then
    assert [r.country for r in card.results] == [r["country"] for r in expected["results"]]
    for row, want in zip(card.results, expected["results"], strict=True):
        assert isinstance(row, m.CountryScoreRow) and isinstance(row.counts, m.LevelCounts)
        assert (row.score, row.rated, row.unrated) == (
            want["score"],
            want["rated"],
            want["unrated"],
        )
        assert (row.counts.no_evidence, row.counts.mixed) == (
            want["counts"]["no_evidence"],
            want["counts"]["mixed"],
        )
        assert row.last_evidence_on == want["last_evidence_on"]
        assert isinstance(row.trend, m.ScoreTrend) and row.trend.compare_to == then
        assert (row.trend.score, row.trend.delta) == (
            want["trend"]["score"],
            want["trend"]["delta"],
        )

    card = parsed_as(
        m.CountryScorecard, *api.call("scorecards", "scorecards_country", iso2="MA", client=client)
    )
    expected = scorecards.country_scorecard(reader, "MA")
    assert (card.country, card.name_fr, card.score) == ("MA", "Maroc", expected["score"])
    assert isinstance(card.trend, api.unset)  # no compare_to, no trend
    for entry, want in zip(card.measures, expected["measures"], strict=True):
        assert isinstance(entry, m.CountryMeasureScore) and entry.measure == want["measure"]
        assert (entry.level, entry.value) == (m.ScoreLevelEnum(want["level"]), want["value"])
        assert entry.effective_on == want["effective_on"]
        assert entry.scope == m.ScopeEnum(want["scope"])
        if want["scope"] == "bilateral":
            assert [p.partner for p in entry.pairs] == [p["partner"] for p in want["pairs"]]
            assert all(isinstance(p.level, m.CellLevelEnum) for p in entry.pairs)
        else:
            assert isinstance(entry.pairs, api.unset)
    six = next(e for e in card.measures if e.measure == 6)
    assert (six.level, six.value, six.effective_on, six.effective_precision) == (
        m.ScoreLevelEnum.PARTIAL,
        0.75,
        D(2010, 1, 1),
        m.DatePrecisionEnum.YEAR,
    )

    card = parsed_as(
        m.MeasureScorecard,
        *api.call("scorecards", "scorecards_measure", number=2, client=client, compare_to=then),
    )
    expected = scorecards.measure_scorecard(reader, 2, compare_to=then)
    assert card.scope == m.ScopeEnum.BILATERAL and card.domain == m.DomainEnum.MILITARY
    algeria = next(r for r in card.results if r.country == "DZ")
    want = next(r for r in expected["results"] if r["country"] == "DZ")
    assert algeria.level == m.ScoreLevelEnum.MIXED == m.ScoreLevelEnum(want["level"])
    assert (algeria.value, algeria.evidence_count) == (want["value"], want["evidence_count"])
    assert {p.partner: p.level.value for p in algeria.pairs} == {
        p["partner"]: p["level"] for p in want["pairs"]
    }
    assert isinstance(algeria.trend, m.LevelTrend) and algeria.trend.compare_to == then
    assert algeria.trend.level == m.ScoreLevelEnum(want["trend"]["level"])

    card = parsed_as(
        m.InitiativeScorecard,
        *api.call("scorecards", "scorecards_initiative", slug="5plus5", client=client),
    )
    expected = scorecards.initiative_scorecard(reader, "5plus5")
    assert card.initiative == "5plus5" and card.measures == expected["measures"]
    assert all(isinstance(r, m.InitiativeScoreRow) for r in card.results)
    assert {r.country: r.role for r in card.results} == {
        r["country"]: m.MembershipRoleEnum(r["role"]) for r in expected["results"]
    }

    card = parsed_as(
        m.MatrixScorecard,
        *api.call(
            "scorecards", "scorecards_matrix", client=client, compare_to=then, measure=[2, 6]
        ),
    )
    expected = scorecards.matrix(
        reader, filters=scorecards.Filters(measures=(2, 6)), compare_to=then
    )
    assert [c.number for c in card.measures] == [2, 6]
    for row, want in zip(card.results, expected["results"], strict=True):
        assert (row.country, row.score_then) == (want["country"], want["score_then"])
        assert all(isinstance(c, m.MatrixCell) for c in row.cells)
        assert [(c.measure, c.level.value, c.value) for c in row.cells] == [
            (c["measure"], c["level"], c["value"]) for c in want["cells"]
        ]


def page_the_feed_and_record_with_if_match(api, editor):
    m = api.models
    client = api.client(editor)

    # The whole feed, page by page, by its cursors.
    seen, since = [], "0"
    while True:
        page = parsed_as(
            m.ChangeFeedPage,
            *api.call("changes", "changes_retrieve", client=client, since=since, limit=400),
        )
        assert page.since == since
        for record in page.results:
            assert isinstance(record.id, uuid.UUID) and isinstance(record.action, m.FeedActionEnum)
            assert isinstance(record.time, datetime.datetime) and record.time.tzinfo
        seen += [r.id for r in page.results]
        if not page.results:
            assert str(page.next_) == since  # caught up: the same cursor back
            break
        assert page.next_ == page.results[-1].id
        since = str(page.next_)
    visible = ChangeRecord.objects.visible_to(editor).exclude(
        content_type__model__in=changes.FEED_EXCLUDED_MODELS
    )
    assert len(seen) > 400 and sorted(seen) == sorted(visible.values_list("public_id", flat=True))

    # Read a cell, then record an assessment on it with its ETag in If-Match.
    target = cell_at(11, "DZ")
    read, response = api.call("cells", "cells_retrieve", id=target.pk, client=client)
    parsed_as(m.Cell, read, response)
    assert (read.measure, read.country, type(read.level)) == (11, "DZ", m.CellLevelEnum)
    etag = response.headers["ETag"]
    body = m.CellUpdateRequest(
        level=m.LevelEnum.UNDER_DISCUSSION,
        effective_on=D(2013, 3, 1),
        rationale="Raised at the 5+5 ministerial.",
    )
    kwargs = {"id": target.pk, "client": client, "body": body, "if_match": etag}
    updated = parsed_as(m.Cell, *api.call("cells", "cells_partial_update", **kwargs))
    assert updated.level == m.CellLevelEnum.UNDER_DISCUSSION
    assert (updated.effective_on, updated.version) == (D(2013, 3, 1), read.version + 1)

    # The same ETag again is stale: a typed error, and nothing written.
    written = Assessment.objects.count()
    stale, response = api.call("cells", "cells_partial_update", **kwargs)
    assert response.status_code == 412 and Assessment.objects.count() == written
    assert isinstance(stale, m.Error) and (stale.status, stale.code) == (412, "precondition_failed")

    # The feed, from where paging stopped, now holds that assessment.
    recorded = Assessment.objects.filter(cell=target).latest("recorded_at")
    page, _response = api.call("changes", "changes_retrieve", client=client, since=since)
    assert [(r.object_id, r.action, r.actor) for r in page.results if r.type_ == "assessment"] == [
        (str(recorded.public_id), m.FeedActionEnum.CREATE, editor.username)
    ]
    assert recorded.rationale_en == "Raised at the 5+5 ministerial."
