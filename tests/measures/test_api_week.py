"""GET /api/v1/week/ and POST /api/v1/week/reconfirm/: the page's rows and
bulk reconfirmation, per caller, with the API's errors."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.audit.revisions import latest_revision
from measures.models import Assessment
from measures.reads import worklist
from tests.api_helpers import assert_error, client, everything, footprint, url
from tests.factories import assess, cell_at, make_user

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)


def test_the_week_lists_the_same_rows_as_the_page_with_versions_and_reasons(users):
    rows = everything(client(users.editor), "week/")
    expected = worklist.week(users.editor)
    assert [r["cell"] for r in rows] == [r.cell.pk for r in expected]
    first = rows[0]
    assert set(first) == {
        "cell",
        "measure",
        "country",
        "partner",
        "level",
        "level_effective_on",
        "version",
        "due_on",
        "due_state",
        "reasons",
        "changes",
        "proposals",
        "replies",
    }
    assert first["version"] == cell_at(
        first["measure"], first["country"], first["partner"]
    ).version_for(users.editor)
    assert first["reasons"] == [first["due_state"]]


def test_the_week_is_paginated_like_the_other_lists(users):
    api = client(users.editor)
    body = api.get(url("week/"), {"page_size": 2}).json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2 and body["count"] > 2


def test_filters_by_country_measure_domain_and_state_and_bad_values_are_400(users):
    api = client(users.editor)
    rows = everything(api, "week/", country="MA", measure=[6, 7])
    assert {(r["measure"], r["country"]) for r in rows} == {(6, "MA"), (7, "MA")}
    assert all(r["measure"] == 1 for r in everything(api, "week/", measure=1))
    assert everything(api, "week/", state="review") == []
    assert everything(api, "week/", domain="military")
    assert_error(api.get(url("week/"), {"country": "XX"}), 400, "country")
    assert_error(api.get(url("week/"), {"state": "bogus"}), 400, "state.0")
    assert_error(api.get(url("week/"), {"measure": "six"}), 400, "measure.0")


def test_callers_without_a_scope_have_an_empty_week(users):
    assert everything(client(users.reader), "week/") == []
    assert client().get(url("week/")).status_code == 401


def test_the_list_costs_the_same_queries_for_one_cell_as_for_many(users):
    small = make_user("editor_mt", role="editor", clearance="restricted", countries=["MT"])
    assess(users.admin, cell_at(17, "MT"), "agreed", D(2012, 1, 1))
    counts = {}
    for user in (small, users.admin):
        api = client(user)
        with CaptureQueriesContext(connection) as queries:
            rows = everything(api, "week/")
        counts[user.username] = (len(queries), len(rows))
    assert counts["admin_all"][1] > 10 * counts["editor_mt"][1] >= 10
    assert counts["admin_all"][0] == counts["editor_mt"][0]


@time_machine.travel(NOW, tick=False)
def test_reconfirm_many_cells_in_one_transaction(users):
    api = client(users.editor)
    rows = everything(api, "week/", state="overdue")[:12]
    start = latest_revision()
    response = api.post(
        url("week/reconfirm/"),
        {
            "cells": [{"cell": r["cell"], "expected_version": r["version"]} for r in rows],
            "reason": "Checked with the desk.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [b["cell"] for b in body] == [r["cell"] for r in rows]
    assert {b["outcome"] for b in body} == {"reconfirmed"}
    written = Assessment.objects.filter(revision=start + 1)
    assert written.count() == 12 and latest_revision() == start + 1
    assert {str(a.public_id) for a in written} == {b["id"] for b in body}
    assert set(written.values_list("effective_on", "rationale_en")) == {
        (D(2026, 11, 20), "Checked with the desk.")
    }
    left = {r["cell"] for r in everything(api, "week/")}
    assert not left & {r["cell"] for r in rows}


def test_a_stale_cell_is_412_named_and_nothing_is_written(users):
    api = client(users.editor)
    rows = everything(api, "week/")[:3]
    stale = cell_at(rows[1]["measure"], rows[1]["country"], rows[1]["partner"])
    assess(users.admin, stale, "implemented", D(2013, 1, 1), rationale="First.")
    before = footprint()
    body = assert_error(
        api.post(
            url("week/reconfirm/"),
            {
                "cells": [{"cell": r["cell"], "expected_version": r["version"]} for r in rows],
                "reason": "Fine.",
            },
            format="json",
        ),
        412,
    )
    assert str(stale) in body["detail"]
    assert footprint() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"cells": [], "reason": "x"}, "cells"),
        ({"cells": [{"cell": 999999, "expected_version": 1}], "reason": "x"}, "cells"),
        ({"cells": [{"cell": 1}], "reason": "x"}, "cells.0.expected_version"),
        (
            {"cells": [{"cell": 1, "expected_version": 1, "level": "agreed"}], "reason": "x"},
            "cells.0.level",
        ),
        ({"cells": [{"cell": 1, "expected_version": 1}]}, "reason"),
        ({"cells": [{"cell": 1, "expected_version": 1}], "reason": "x", "as": "admin"}, "as"),
    ],
)
def test_bad_input_is_400_with_field_messages(users, payload, field):
    before = footprint()
    response = client(users.editor).post(url("week/reconfirm/"), payload, format="json")
    assert_error(response, 400, field)
    assert footprint() == before


def test_a_cell_outside_scope_is_403_and_readers_may_not_reconfirm(users):
    outside = cell_at(17, "ML")
    payload = {
        "cells": [{"cell": outside.pk, "expected_version": outside.version_for(users.editor)}],
        "reason": "x",
    }
    before = footprint()
    body = assert_error(
        client(users.editor).post(url("week/reconfirm/"), payload, format="json"), 403
    )
    assert "ML" in body["detail"]
    assert_error(client(users.reader).post(url("week/reconfirm/"), payload, format="json"), 403)
    assert client().post(url("week/reconfirm/"), payload, format="json").status_code == 401
    assert footprint() == before
