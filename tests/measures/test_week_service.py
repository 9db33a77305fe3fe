"""The staff's week as a service: the visit that dates "changed since", the
worklist read, and the bulk actions — all or nothing, under one revision."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from measures import services
from measures.audit.revisions import StaleVersion, latest_revision
from measures.models import Assessment, AudienceRevision, ChangeRecord, Proposal, Reply, WeekVisit
from measures.reads import worklist
from tests.factories import EvidenceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)


def footprint():
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Assessment.objects.count(),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


def versions_for(user, *cells):
    return {cell: cell.version_for(user) for cell in cells}


# --- the visit --------------------------------------------------------------------


def test_a_first_visit_has_no_since_and_a_later_one_starts_where_the_last_ended(users):
    first = services.note_week_visit(users.editor, now=NOW)
    assert (first.seen_at, first.since) == (NOW, None)
    later = NOW + datetime.timedelta(days=7)
    second = services.note_week_visit(users.editor, now=later)
    assert (second.seen_at, second.since) == (later, NOW)


def test_a_reload_within_the_hour_keeps_the_same_changes(users):
    services.note_week_visit(users.editor, now=NOW)
    services.note_week_visit(users.editor, now=NOW + datetime.timedelta(days=7))
    reload = services.note_week_visit(
        users.editor, now=NOW + datetime.timedelta(days=7, minutes=20)
    )
    assert reload.since == NOW
    assert WeekVisit.objects.filter(user=users.editor).count() == 1


def test_a_visit_is_a_reading_receipt_and_takes_no_revision(users):
    before = footprint()
    services.note_week_visit(users.editor, now=NOW)
    services.note_week_visit(users.editor, now=NOW + datetime.timedelta(days=2))
    assert footprint() == before


# --- the worklist -----------------------------------------------------------------


def reasons(user, **kwargs):
    return {(r.cell.pk): r.reasons for r in worklist.week(user, **kwargs)}


def test_due_cells_are_listed_earliest_first_and_each_row_says_why(users):
    rows = worklist.week(users.editor)
    assert rows and all(r.is_due for r in rows)
    dues = [r.cell.due_on for r in rows]
    assert dues == sorted(dues)
    assert all(r.reasons[0] in ("overdue", "due") for r in rows)
    assert all(r.cell.country_id in ("DZ", "MA") or r.cell.partner_id in ("DZ", "MA") for r in rows)


def test_changes_by_others_since_the_last_visit_are_listed_and_ones_own_are_not(users):
    fresh = cell_at(17, "DZ")
    since = timezone.now()
    assess(users.admin, fresh, "implemented", D(2026, 11, 1), rationale="Admin saw it.")
    own = cell_at(11, "DZ")
    assess(users.editor, own, "agreed", D(2026, 11, 1))
    listed = reasons(users.editor, since=since)
    assert listed[fresh.pk] == ("changed",)  # just assessed: not due, but changed
    assert own.pk not in listed
    assert fresh.pk not in reasons(users.editor)  # no last visit: nothing "changed"


def test_new_evidence_by_others_counts_as_a_change(users):
    cell = cell_at(11, "MA")
    since = timezone.now()
    EvidenceFactory(cells=[cell], summary_en="Register published")
    [row] = [r for r in worklist.week(users.editor, since=since) if r.cell.pk == cell.pk]
    assert "changed" in row.reasons and row.changes == 1


def test_proposals_awaiting_review_and_new_replies_are_listed(users):
    cell = cell_at(6, "DZ")
    other = make_user("editor_dz2", role="editor", clearance="restricted", countries=["DZ"])
    Proposal.objects.create(
        cell=cell,
        level="implemented",
        effective_on=D(2026, 11, 1),
        rationale_en="Please check.",
        marking=marking("public"),
        based_on_version=cell.version_for(other),
        proposed_by=other,
    )
    since = timezone.now() - datetime.timedelta(minutes=1)
    answered = Assessment.objects.filter(cell=cell_at(7, "MA"), marking__key="public").first()
    Reply.objects.create(
        assessment=answered,
        country_id="MA",
        text_en="We disagree.",
        marking=marking("public"),
        created_by=other,
        revision=latest_revision(),
    )
    rows = {r.cell.pk: r for r in worklist.week(users.editor, since=since)}
    assert "review" in rows[cell.pk].reasons and rows[cell.pk].proposals == 1
    assert "replies" in rows[answered.cell_id].reasons and rows[answered.cell_id].replies == 1
    assert set(reasons(users.editor, since=since, states={"review"})) == {cell.pk}
    # The author does not review their own proposal.
    assert cell.pk not in reasons(other, states={"review"})


def test_filters_narrow_by_country_measure_domain_and_state(users):
    rows = worklist.week(users.editor, countries={"MA"})
    assert rows and all("MA" in (r.cell.country_id, r.cell.partner_id) for r in rows)
    assert {r.cell.measure.number for r in worklist.week(users.editor, measures={6})} == {6}
    military = worklist.week(users.editor, domains={"military"})
    assert military and {r.cell.measure.domain for r in military} == {"military"}
    assert worklist.week(users.editor, states={"review"}) == []


def test_the_worklist_costs_the_same_queries_for_one_cell_as_for_many(users):
    small = make_user("editor_one", role="editor", clearance="restricted", countries=["MT"])
    since = timezone.now() - datetime.timedelta(days=1)
    counts = []
    for user in (small, users.admin):
        with CaptureQueriesContext(connection) as queries:
            rows = worklist.week(user, since=since)
        counts.append((len(queries), len(rows)))
    (few, n_few), (many, n_many) = counts
    assert n_many > 10 * max(n_few, 1)
    assert few == many


# --- reconfirm --------------------------------------------------------------------


@time_machine.travel(NOW)
def test_reconfirming_many_cells_repeats_each_level_today_under_one_revision(users):
    cells = [r.cell for r in worklist.week(users.editor)][:5]
    start = latest_revision()
    results = services.reconfirm_cells(
        users.editor, versions_for(users.editor, *cells), reason_en="Checked with the desk."
    )
    assert latest_revision() == start + 1
    assert {a.revision for a in results} == {start + 1}
    for cell, result in zip(cells, results, strict=True):
        previous = (
            Assessment.objects.visible_to(users.editor)
            .filter(cell=cell)
            .exclude(pk=result.pk)
            .order_by("-effective_on", "-recorded_at", "-id")
            .first()
        )
        assert (result.level, result.effective_on, result.marking) == (
            previous.level,
            D(2026, 11, 20),
            previous.marking,
        )
        assert set(result.evidence.all()) == set(
            previous.evidence.all() & result.evidence.model.objects.visible_to(users.editor)
        )
        assert result.rationale_en == "Checked with the desk."
    records = ChangeRecord.objects.filter(revision=start + 1, content_type__model="assessment")
    assert records.count() == 5
    assert {r.actor_id for r in records} == {users.editor.pk}
    assert {r.message for r in records} == {"Reconfirmed 5 cells"}
    assert not any(r.is_due for r in worklist.week(users.editor) if r.cell in cells)


@time_machine.travel(NOW)
def test_without_a_reason_the_rationale_says_still_true_in_both_languages(users):
    cell = cell_at(17, "DZ")
    [result] = services.reconfirm_cells(users.editor, versions_for(users.editor, cell))
    assert result.rationale_en == "Reconfirmed: still true as of 2026-11-20."
    assert result.rationale_fr == "Reconfirmé : toujours vrai au 2026-11-20."


def test_one_stale_cell_refuses_the_batch_names_it_and_leaves_nothing_written(users):
    cells = [r.cell for r in worklist.week(users.editor)][:4]
    versions = versions_for(users.editor, *cells)
    stale = cells[2]
    assess(users.admin, stale, "implemented", D(2013, 1, 1), rationale="Someone was first.")
    before = footprint()
    with pytest.raises(StaleVersion) as refused:
        services.reconfirm_cells(users.editor, versions, reason_en="All fine.")
    assert refused.value.obj == stale
    assert str(stale) in str(refused.value.obj)
    assert footprint() == before


def test_a_cell_outside_scope_or_never_rated_refuses_the_batch_by_name(users):
    inside = cell_at(17, "DZ")
    outside = cell_at(17, "ML")
    before = footprint()
    with pytest.raises(PermissionDenied, match="ML"):
        services.reconfirm_cells(
            users.editor, versions_for(users.editor, inside, outside), reason_en="x"
        )
    unrated = next(c for c in worklist.cells_in_scope(users.editor) if c.level == "no_evidence")
    with pytest.raises(ValidationError, match=unrated.cell_label):
        services.reconfirm_cells(
            users.editor, versions_for(users.editor, inside, unrated), reason_en="x"
        )
    assert footprint() == before


def test_reconfirming_does_not_cite_evidence_the_editor_may_not_see(users):
    cell = cell_at(6, "MA")
    hidden = EvidenceFactory(cells=[cell], source__marking=marking("confidential", "MA"))
    public = EvidenceFactory(cells=[cell])
    assess(
        users.admin,
        cell,
        "agreed",
        D(2013, 1, 1),
        evidence=[public, hidden],
        marking=marking("confidential", "MA"),
    )
    assess(users.editor, cell, "partial", D(2013, 2, 1), evidence=[public])
    [result] = services.reconfirm_cells(
        users.confidential_editor, versions_for(users.confidential_editor, cell)
    )
    assert result.level == "partial"
    assert list(result.evidence.all()) == [public]


# --- same level, same evidence ----------------------------------------------------------


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_same_level_on_the_same_evidence_for_a_set_lands_in_one_revision(users):
    cells = [cell_at(11, "DZ"), cell_at(11, "MA"), cell_at(12, "DZ")]
    evidence = EvidenceFactory(summary_en="Joint communiqué")
    start = latest_revision()
    results = services.assess_cells(
        users.editor,
        versions_for(users.editor, *cells),
        level="agreed",
        effective_on=D(2013, 5, 1),
        evidence=[evidence],
        rationale_en="Agreed jointly.",
    )
    assert {(a.level, a.revision) for a in results} == {("agreed", start + 1)}
    assert all(list(a.evidence.all()) == [evidence] for a in results)
    assert set(evidence.cells.all()) >= set(cells)  # citing links it to each cell


def test_a_refused_cell_of_a_set_is_named_and_nothing_is_written(users):
    cells = [cell_at(11, "DZ"), cell_at(11, "MA")]
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.assess_cells(
            users.editor,
            versions_for(users.editor, *cells),
            level="agreed",
            effective_on=D(2099, 1, 1),
            rationale_en="From the future.",
        )
    assert str(cells[0]) in str(refused.value)
    assert footprint() == before
