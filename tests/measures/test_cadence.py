"""Each measure's reporting cadence decides when its cells are due (issue 14, point 1)."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from measures import services
from measures.choices import NO_EVIDENCE, Level
from measures.models import Measure
from measures.reads.worklist import cells_in_scope, due_cells
from measures.rules import DueState, due_on, due_state, is_escalated
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db

D = datetime.date
NOV_20 = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)


def test_the_seed_gives_bilateral_and_security_measures_half_a_year_and_the_others_a_year():
    cadence = dict(Measure.objects.values_list("number", "cadence_days"))
    fast = set(Measure.objects.filter(scope="bilateral").values_list("number", flat=True)) | {17}
    assert {n for n, days in cadence.items() if days == 180} == fast
    assert {n for n, days in cadence.items() if days == 365} == set(range(1, 21)) - fast


def test_a_cell_is_due_its_cadence_after_its_level_was_last_known_true():
    assert due_on(Level.AGREED, D(2026, 1, 10), 180) == D(2026, 7, 9)
    assert due_state(D(2026, 7, 9), today=D(2026, 7, 10)) == DueState.OVERDUE
    assert due_state(D(2026, 7, 9), today=D(2026, 7, 2)) == DueState.DUE  # the week ahead
    assert due_state(D(2026, 7, 9), today=D(2026, 7, 1)) == DueState.CURRENT


def test_a_cell_with_no_level_to_confirm_has_no_due_date():
    assert due_on(NO_EVIDENCE, None, 180) is None
    assert due_on(Level.NOT_APPLICABLE, D(2020, 1, 1), 180) is None
    assert due_state(None) is None


def test_admins_hear_of_a_cell_overdue_by_more_than_its_cadence_again():
    due = D(2026, 1, 1)
    assert not is_escalated(due, 180, today=D(2026, 6, 30))
    assert is_escalated(due, 180, today=D(2026, 7, 1))


def test_an_admin_changes_a_cadence_and_the_cell_page_follows(client, users):
    cell = cell_at(17, "DZ")
    with time_machine.travel(NOV_20):
        assess(users.admin, cell, Level.AGREED, D(2026, 11, 1))
        measure = Measure.objects.get(number=17)
        measure.cadence_days = 14
        services.save_reference(users.admin, measure, expected_version=measure.version)
        client.force_login(users.editor)
        page = client.get(reverse("cell", args=[cell.pk]))
    assert page.context["due_on"] == D(2026, 11, 15)
    assert page.context["due_state"] == DueState.OVERDUE
    assert "Overdue since 15 November 2026" in page.content.decode()


def test_reseeding_keeps_the_cadence_an_admin_chose():
    measure = Measure.objects.get(number=1)
    Measure.objects.filter(pk=measure.pk).update(cadence_days=30)
    call_command("seed", stdout=StringIO())
    assert Measure.objects.get(number=1).cadence_days == 30


def test_the_worklist_lists_the_due_and_overdue_cells_in_scope_earliest_first(users):
    with time_machine.travel(NOV_20):
        assess(users.admin, cell_at(17, "DZ"), Level.AGREED, D(2026, 11, 1))  # due in May
        assess(users.admin, cell_at(1, "MA"), Level.PARTIAL, D(2025, 11, 25))  # due this week
        listed = due_cells(users.editor)
        everything = cells_in_scope(users.editor)
    keys = [(c.measure.number, c.country_id) for c in listed]
    assert (17, "DZ") not in keys
    assert (1, "MA") in keys and listed[keys.index((1, "MA"))].due_state == DueState.DUE
    assert [c.due_on for c in listed] == sorted(c.due_on for c in listed)
    assert all(c.due_state in (DueState.DUE, DueState.OVERDUE) for c in listed)
    # Only the editor's scope (DZ, MA, or a pair with either).
    assert {c.country_id for c in everything} | {c.partner_id for c in everything} >= {"DZ", "MA"}
    assert all("DZ" in (c.country_id, c.partner_id) or "MA" in (c.country_id, c.partner_id)
               for c in everything)  # fmt: skip
