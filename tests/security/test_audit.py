"""Audit completeness: a Hypothesis state machine drives random API writes (by
writers in and out of scope, with current and stale versions, good and bad
bodies); after every step the audit trail holds exactly one new revision per
successful write and none for a refused one, every record naming the caller
as actor with a UTC time inside the request. On PostgreSQL, the application's
database role cannot UPDATE, DELETE or TRUNCATE audit records, while the
maintenance role can delete them for retention (manage.py db_roles).
"""

import datetime
import io
import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from measures.audit.revisions import latest_revision
from measures.choices import Level
from measures.models import ChangeRecord, Evidence
from tests.api_helpers import client, url
from tests.external import APP_ROLE, MAINTENANCE_ROLE, require_roles
from tests.factories import cell_at

pytestmark = pytest.mark.django_db

CELLS = [(11, "MA"), (12, "DZ"), (11, "TN")]  # TN is outside the editor's scope
LEVELS = [level for level, _label in Level.choices]


def run_audit_machine(users):
    writers = {"editor": users.editor, "admin": users.admin, "reader": users.reader}
    cells = [cell_at(*key) for key in CELLS]
    totals = {"writes": 0, "successes": 0}

    class AuditMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.revision = latest_revision()
            self.successes = 0
            self.evidence = []

        def _sent(self, who, response, started):
            totals["writes"] += 1
            ok = response.status_code in (200, 201)
            assert response.status_code < 500, response.content[:300]
            new = ChangeRecord.objects.filter(revision__gt=self.revision)
            revisions = sorted(set(new.values_list("revision", flat=True)))
            if ok:
                totals["successes"] += 1
                self.successes += 1
                assert revisions == [self.revision + 1], (response.status_code, revisions)
                for record in new:
                    assert record.actor_id == writers[who].pk
                    assert record.actor_username == writers[who].username
                    assert record.time.utcoffset() == datetime.timedelta(0)
                    assert started <= record.time <= timezone.now()
                self.revision += 1
            else:
                assert revisions == [], (response.status_code, response.content[:200])
            return response

        @rule(
            who=st.sampled_from(list(writers)),
            where=st.integers(0, len(CELLS) - 1),
            level=st.sampled_from(LEVELS + ["finished"]),
            stale=st.booleans(),
        )
        def record_assessment(self, who, where, level, stale):
            cell = cells[where]
            version = cell.version_for(writers[who])  # the writer's own version
            body = {
                "cell": cell.pk,
                "expected_version": version - 1 if stale else version,
                "level": level,
                "effective_on": "2014-06-01",
                "rationale_en": "State machine.",
            }
            started = timezone.now()
            self._sent(who, client(writers[who]).post(url("assessments/"), body), started)

        @rule(
            who=st.sampled_from(list(writers)),
            where=st.integers(0, len(CELLS) - 1),
            level=st.sampled_from(LEVELS),
            if_match=st.sampled_from(["current", "stale", "none"]),
        )
        def patch_cell(self, who, where, level, if_match):
            api = client(writers[who])
            path = url(f"cells/{cells[where].pk}/")
            etag = api.get(path)["ETag"]
            headers = {"current": {"HTTP_IF_MATCH": etag}, "stale": {"HTTP_IF_MATCH": '"x"'}}
            body = {"level": level, "effective_on": "2014-07-01", "rationale": "Patched."}
            started = timezone.now()
            self._sent(who, api.patch(path, body, **headers.get(if_match, {})), started)

        @rule(who=st.sampled_from(list(writers)), where=st.integers(0, len(CELLS) - 1))
        def file_evidence(self, who, where):
            body = {
                "source": "002",
                "occurred_on": "2014-03-01",
                "summary_en": "Filed by the state machine.",
                "locator": "p. 1",
                "direction": "supports",
                "reliability": "C3",
                "cells": [cells[where].pk],
            }
            started = timezone.now()
            response = self._sent(who, client(writers[who]).post(url("evidence/"), body), started)
            if response.status_code == 201:
                self.evidence.append(response.json()["id"])

        @rule(who=st.sampled_from(list(writers)), pick=st.integers(0, 50), remark=st.booleans())
        def change_evidence(self, who, pick, remark):
            if not self.evidence:
                return
            item = Evidence.objects.get(public_id=self.evidence[pick % len(self.evidence)])
            api = client(writers[who])
            path = url(f"evidence/{item.public_id}/")
            etag = api.get(path).get("ETag", '"none"')
            started = timezone.now()
            if remark:
                body = {"marking": {"level": "restricted"}, "reason": "Re-marked."}
                response = api.patch(path, body, HTTP_IF_MATCH=etag)
            else:
                response = api.post(f"{path}retract/", {"reason": "Wrong."}, HTTP_IF_MATCH=etag)
            self._sent(who, response, started)

        @invariant()
        def counter_matches_the_trail(self):
            assert latest_revision() == self.revision

    run_state_machine_as_test(
        AuditMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    return totals


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_every_successful_write_is_one_audited_revision_and_no_refusal_is(users):
    totals = run_audit_machine(users)
    # Both branches were exercised (figures in docs/security.md).
    assert 0 < totals["successes"] < totals["writes"], totals
    print(f"audit state machine: {totals}")


# --- the database roles (PostgreSQL) -----------------------------------------------

APP, MAINTENANCE = APP_ROLE, MAINTENANCE_ROLE


def connect_as(role):
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        dbname=params["dbname"],
        user=role,
        password=role,  # .ci/run creates both roles with their name as password
        autocommit=True,
    )


@pytest.fixture
def granted():
    require_roles()
    call_command("db_roles", app_role=APP, maintenance_role=MAINTENANCE, stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_application_role_may_add_audit_records_but_never_change_or_delete_them(granted):
    table = ChangeRecord._meta.db_table
    before = ChangeRecord.objects.count()
    with connect_as(APP) as app:
        # It writes everything else, and adds audit records.
        app.execute(f"UPDATE measures_cell SET scope = scope WHERE id = {cell_at(11, 'MA').pk}")
        columns = [
            f.column
            for f in ChangeRecord._meta.concrete_fields
            if f.column not in ("id", "public_id")
        ]
        names = ", ".join(columns)
        app.execute(
            f"INSERT INTO {table} (public_id, {names}) "
            f"SELECT gen_random_uuid(), {names} FROM {table} ORDER BY id LIMIT 1"
        )
        for statement in (
            f"UPDATE {table} SET message = 'rewritten'",
            f"UPDATE {table} SET actor_username = 'nobody' WHERE id = 1",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
    assert ChangeRecord.objects.count() == before + 1
    assert not ChangeRecord.objects.filter(message="rewritten").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_retention_runs_under_the_maintenance_role(granted, users):
    old = ChangeRecord.objects.order_by("id").first()
    ChangeRecord.objects.filter(pk=old.pk).update(
        time=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    )
    before = ChangeRecord.objects.count()
    with connect_as(MAINTENANCE) as maintenance:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            maintenance.execute("UPDATE measures_changerecord SET message = 'x'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            maintenance.execute("DELETE FROM measures_cell")
    params = connection.get_connection_params()
    base = f"{params.get('host') or '127.0.0.1'}:{params.get('port') or 5432}/{params['dbname']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.test",
        "DATABASE_URL": f"postgres://{APP}:{APP}@{base}",
        "CBM_MAINTENANCE_DATABASE_URL": f"postgres://{MAINTENANCE}:{MAINTENANCE}@{base}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "prune_audit", "--older-than-days", "365"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "deleted 1 audit records" in done.stdout and "database maintenance" in done.stdout
    assert ChangeRecord.objects.count() == before - 1
