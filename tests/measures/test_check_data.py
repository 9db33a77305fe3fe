"""`manage.py check_data`: every data-quality rule a named check, with counts
and offending rows, as text and JSON; non-zero exit when an error-level check
fails; computed through the visibility rule."""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from countries.models import Initiative, Membership
from measures import services
from measures.models import Marking
from measures.reads import data_checks
from tests.factories import EvidenceFactory, assess, cell_at

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    try:
        call_command("check_data", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def report(*args):
    code, out = run("--format", "json", *args)
    body = json.loads(out)
    return code, body, {c["name"]: c for c in body["checks"]}


def test_the_seed_passes_every_error_level_check():
    code, body, checks = report()
    assert code == 0 and body["ok"] is True and body["errors"] == 0
    assert set(checks) == set(data_checks.CHECKS)
    for check in checks.values():
        assert check["level"] in ("error", "warning") and check["title"]
        assert check["count"] == len(check["rows"])
        if check["level"] == "error":
            assert check["count"] == 0, check
    # Warnings are reported, not failed: the sources end in 2013.
    assert checks["overdue_cells"]["count"] > 0
    code, out = run()
    assert code == 0 and "No error-level check failed." in out


def bad_membership(**fields):
    """A row as a legacy import could have left it (no services)."""
    return Membership._base_manager.create(
        initiative=Initiative.objects.get(slug="cemoc"),
        country_id="TN",
        role="observer",
        note="Legacy row.",
        **fields,
    )


def test_an_undated_or_overlapping_membership_fails_with_its_row_and_exit_status_1():
    bad_membership()  # no start: and it overlaps Tunisia's open "excluded" row
    code, body, checks = report()
    assert code == 1 and body["ok"] is False
    assert checks["membership_dates"]["count"] == 1
    assert "cemoc · TN (observer)" in checks["membership_dates"]["rows"][0]["label"]
    assert "start" in checks["membership_dates"]["rows"][0]["detail"]
    assert checks["membership_overlaps"]["count"] == 1
    assert [r["label"] for r in checks["uncited_rows"]["rows"]] == ["TN in CEMOC (observer)"]
    assert body["errors"] == 3  # undated, overlapping and cited to nothing
    code, out = run("--check", "membership_overlaps")
    assert code == 1
    assert "[FAIL] membership_overlaps (error): 1" in out
    assert "cemoc · TN" in out


def test_a_membership_outside_its_initiatives_dates_fails():
    bad_membership(
        start=datetime.date(2009, 1, 1),
        start_precision="year",
        end=datetime.date(2009, 12, 31),
        end_precision="day",
    )
    _code, _body, checks = report("--check", "membership_dates")
    assert "before" in checks["membership_dates"]["rows"][0]["detail"]


def test_an_assessment_dated_in_the_future_fails(users):
    cell = cell_at(15, "TN")
    # Recorded in 2031, when 2031-01-01 was not yet in the future; read today.
    with time_machine.travel(datetime.datetime(2031, 6, 1, tzinfo=datetime.UTC), tick=False):
        assess(users.admin, cell, "implemented", datetime.date(2031, 1, 1))
    code, _body, checks = report()
    assert code == 1
    assert checks["future_assessments"]["count"] == 1
    assert "15 · TN" in checks["future_assessments"]["rows"][0]["detail"]


def test_warnings_name_unlinked_evidence_and_evidence_later_than_its_assessment(users):
    loose = EvidenceFactory(summary_en="Nothing links this.")
    cell = cell_at(4, "DZ")
    later = EvidenceFactory(cells=[cell], occurred_on=datetime.date(2012, 3, 1))
    assess(users.admin, cell, "agreed", datetime.date(2011, 1, 1), evidence=[later])
    code, _body, checks = report()
    assert code == 0  # allowed, but flagged
    assert [r["label"] for r in checks["evidence_unlinked"]["rows"]] == [
        str(loose.key or loose.public_id)
    ]
    after = checks["evidence_after_assessment"]["rows"]
    assert len(after) == 1 and "2011-01-01" in after[0]["detail"]
    assert after[0]["url"] == f"/cells/{cell.pk}/"


def test_an_assessment_on_no_evidence_is_a_warning(users):
    assess(users.admin, cell_at(4, "TN"), "agreed", datetime.date(2011, 1, 1))
    _code, _body, checks = report("--check", "assessments_without_evidence")
    assert [r["detail"] for r in checks["assessments_without_evidence"]["rows"]] == [
        "4 · TN · agreed"
    ]


def test_the_report_is_computed_through_the_visibility_rule(users):
    secret = Marking.objects.resolve("confidential", ["MA"])
    bad_membership(marking=secret)
    system = data_checks.run_checks(services.system_actor(), names=["membership_dates"])
    reader = data_checks.run_checks(users.reader, names=["membership_dates"])
    moroccan = data_checks.run_checks(users.moroccan_analyst, names=["membership_dates"])
    assert (system[0].count, reader[0].count, moroccan[0].count) == (1, 0, 1)
    code, _out = run("--as-user", users.reader.username, "--check", "membership_dates")
    assert code == 0


def test_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("check_data", "--as-user", "nobody", stdout=StringIO())
