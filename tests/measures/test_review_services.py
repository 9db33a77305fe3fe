"""Review by a second person: what the policy sends for review, who may
decide, and that every decision is checked, versioned and audited."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError

from measures import services
from measures.audit.revisions import StaleVersion, latest_revision
from measures.models import Assessment, AudienceRevision, Cell, ChangeRecord, Proposal
from tests.factories import EvidenceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date
SOME_DAY = D(2020, 1, 1)


@pytest.fixture
def second_editor(db):
    """Another editor of Algeria: the author's reviewer."""
    return make_user("editor_dz2", role="editor", clearance="restricted", countries=["DZ"])


def submit(actor, cell, level, *, on=SOME_DAY, **kwargs):
    kwargs.setdefault("rationale_en", "Seen at the border.")
    return services.submit_assessment(
        actor,
        cell,
        level=level,
        effective_on=on,
        expected_version=cell.version_for(actor),
        **kwargs,
    )


def level_of(cell, user):
    return Cell.objects.with_level(user).get(pk=cell.pk).level


def footprint():
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Assessment.objects.count(),
        sorted(Proposal.objects.values_list("pk", "state", "version")),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


# --- the policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "same_level", "expected"),
    [
        ("none", False, Assessment),
        ("none", True, Assessment),
        ("level_changes", False, Proposal),
        ("level_changes", True, Assessment),
        ("all", False, Proposal),
        ("all", True, Proposal),
    ],
)
def test_the_policy_decides_what_waits_for_a_second_person(
    settings, users, policy, same_level, expected
):
    settings.CBM_REVIEW = policy
    cell = cell_at(11, "DZ")
    assess(services.system_actor(), cell, "partial", D(2010, 4, 21))
    result = submit(users.editor, cell, "partial" if same_level else "implemented")
    assert isinstance(result, expected)


def test_the_default_policy_reviews_changes_of_level_only(users):
    cell = cell_at(11, "DZ")
    before = level_of(cell, users.editor)
    assert isinstance(submit(users.editor, cell, "agreed"), Proposal)
    assert level_of(cell, users.editor) == before
    assert isinstance(submit(users.editor, cell, before), Assessment)


def test_a_level_change_is_judged_against_the_level_the_author_sees(users, settings):
    """Confidential evidence raised 6·MA to implemented for those cleared; to a
    restricted editor it is still partial, so "partial" is a reconfirmation."""
    settings.CBM_REVIEW = "level_changes"
    cell = cell_at(6, "MA")
    hidden = EvidenceFactory(cells=[cell], marking=marking("confidential", "MA"))
    assess(
        users.confidential_editor,
        cell,
        "implemented",
        D(2013, 1, 1),
        evidence=[hidden],
        marking=marking("confidential", "MA"),
    )
    assert level_of(cell, users.editor) == "partial"
    assert isinstance(submit(users.confidential_editor, cell, "partial"), Proposal)
    assert isinstance(submit(users.editor, cell, "partial"), Assessment)


def test_the_system_actor_always_publishes(settings):
    settings.CBM_REVIEW = "all"
    cell = cell_at(11, "DZ")
    assert isinstance(submit(services.system_actor(), cell, "implemented"), Assessment)


def test_a_proposal_is_checked_like_an_assessment(users):
    cell = cell_at(11, "DZ")
    before = footprint()
    with pytest.raises(ValidationError) as raised:
        submit(users.editor, cell, "agreed", rationale_en="  ")
    assert "rationale_en" in raised.value.message_dict
    with pytest.raises(ValidationError):
        submit(users.editor, cell, "agreed", on=datetime.date.today() + datetime.timedelta(days=3))
    with pytest.raises(PermissionDenied):
        submit(users.editor, cell, "agreed", marking=marking("confidential"))
    with pytest.raises(PermissionDenied):
        submit(users.editor, cell_at(11, "TN"), "agreed")
    secret = EvidenceFactory(cells=[cell], marking=marking("confidential"))
    with pytest.raises(ValidationError) as raised:
        submit(users.editor, cell, "agreed", evidence=[secret])
    assert "evidence" in raised.value.message_dict
    with pytest.raises(StaleVersion):
        services.submit_assessment(
            users.editor,
            cell,
            level="agreed",
            effective_on=D(2020, 1, 1),
            expected_version=cell.version_for(users.editor) + 1,
            rationale_en="Stale.",
        )
    restricted = EvidenceFactory(cells=[cell], marking=marking("restricted"))
    with pytest.raises(ValidationError) as raised:
        submit(users.editor, cell, "agreed", evidence=[restricted], marking=marking("public"))
    assert "marking" in raised.value.message_dict
    assert footprint()[2:4] == before[2:4]


def test_a_proposal_changes_no_published_fact(users):
    cell = cell_at(11, "DZ")
    evidence = EvidenceFactory(cells=[cell_at(11, "MA")])
    version, level = cell.version_for(users.editor), level_of(cell, users.reader)
    assessments = Assessment.objects.filter(cell=cell).count()
    proposal = submit(users.editor, cell, "implemented", evidence=[evidence])
    assert proposal.based_on_version == version
    assert level_of(cell, users.reader) == level
    assert cell.version_for(users.editor) == version
    assert not evidence.cells.filter(pk=cell.pk).exists()  # linked only when published
    assert Assessment.objects.filter(cell=cell).count() == assessments


# --- deciding ------------------------------------------------------------------------


def test_a_second_editor_approves_and_the_assessment_is_published_as_written(users, second_editor):
    cell = cell_at(11, "DZ")
    evidence = EvidenceFactory(cells=[cell_at(11, "MA")])
    proposal = submit(
        users.editor, cell, "implemented", rationale_fr="Vu.", evidence=[evidence], on=D(2019, 5, 1)
    )
    approved = services.approve_proposal(
        second_editor, proposal, expected_version=proposal.version, comment="Checked."
    )
    assessment = approved.assessment
    assert approved.state == "approved"
    assert approved.decided_by == second_editor and approved.comment == "Checked."
    assert (assessment.level, assessment.effective_on) == ("implemented", D(2019, 5, 1))
    assert (assessment.rationale_en, assessment.rationale_fr) == ("Seen at the border.", "Vu.")
    assert assessment.recorded_by == users.editor  # the author's judgement
    assert list(assessment.evidence.all()) == [evidence]
    assert evidence.cells.filter(pk=cell.pk).exists()
    assert level_of(cell, users.reader) == "implemented"
    assert approved.version == 2


def test_an_admin_may_approve(users):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    services.approve_proposal(users.admin, proposal, expected_version=1)
    assert level_of(cell_at(11, "DZ"), users.admin) == "agreed"


def test_the_author_cannot_approve_their_own_proposal(users):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    before = footprint()
    with pytest.raises(PermissionDenied):
        services.approve_proposal(users.editor, proposal, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.return_proposal(users.editor, proposal, expected_version=1, comment="Mine.")
    assert footprint() == before


def test_an_editor_outside_the_cells_scope_cannot_decide_nor_see_it(users):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    tunisian = make_user("editor_tn", role="editor", clearance="confidential", countries=["TN"])
    assert not Proposal.objects.visible_to(tunisian).exists()
    with pytest.raises(services.NotVisible):
        services.approve_proposal(tunisian, proposal, expected_version=1)
    with pytest.raises(services.NotVisible):
        services.approve_proposal(users.analyst, proposal, expected_version=1)


def test_a_reader_sees_no_proposal_and_awaits_none(users, second_editor):
    submit(users.editor, cell_at(11, "DZ"), "agreed")
    assert not Proposal.objects.visible_to(users.reader).exists()
    assert Proposal.objects.awaiting_review_by(second_editor).count() == 1
    assert Proposal.objects.awaiting_review_by(users.editor).count() == 0  # own


def test_approval_is_refused_when_the_cell_changed_for_the_author(users, second_editor):
    cell = cell_at(11, "DZ")
    proposal = submit(users.editor, cell, "agreed")
    assess(services.system_actor(), cell, "partial", D(2018, 1, 1))
    before = footprint()
    with pytest.raises(ValidationError) as raised:
        services.approve_proposal(second_editor, proposal, expected_version=1)
    assert raised.value.error_dict["state"][0].code == "stale"
    assert "version" not in str(raised.value)  # names no count of assessments
    assert footprint() == before
    services.return_proposal(second_editor, proposal, expected_version=1, comment="Stale.")


def test_a_write_the_author_cannot_see_does_not_make_the_proposal_stale(users, second_editor):
    cell = cell_at(6, "MA")
    proposal = submit(users.editor, cell, "implemented")
    hidden = EvidenceFactory(cells=[cell], marking=marking("confidential", "MA"))
    assess(
        users.confidential_editor,
        cell,
        "agreed",
        D(2013, 1, 1),
        evidence=[hidden],
        marking=marking("confidential", "MA"),
    )
    services.approve_proposal(users.admin, proposal, expected_version=1)
    assert level_of(cell, users.editor) == "implemented"


def test_a_decision_needs_the_proposal_version_read(users, second_editor):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    with pytest.raises(StaleVersion):
        services.approve_proposal(second_editor, proposal, expected_version=7)
    with pytest.raises(ValidationError):
        services.approve_proposal(second_editor, proposal, expected_version=None)
    services.return_proposal(second_editor, proposal, expected_version=1, comment="Why?")
    with pytest.raises(ValidationError):  # no longer open
        services.approve_proposal(second_editor, proposal, expected_version=2)


def test_a_return_says_why(users, second_editor):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    with pytest.raises(ValidationError) as raised:
        services.return_proposal(second_editor, proposal, expected_version=1, comment=" ")
    assert "comment" in raised.value.message_dict
    returned = services.return_proposal(
        second_editor, proposal, expected_version=1, comment="Cite the communiqué."
    )
    assert (returned.state, returned.comment, returned.decided_by) == (
        "returned",
        "Cite the communiqué.",
        second_editor,
    )
    assert returned.assessment is None


def test_only_the_author_withdraws(users, second_editor):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(second_editor, proposal, expected_version=1)
    withdrawn = services.withdraw_proposal(users.editor, proposal, expected_version=1)
    assert withdrawn.state == "withdrawn" and withdrawn.decided_by == users.editor


def test_a_returned_proposal_is_proposed_again_and_superseded(users, second_editor):
    cell = cell_at(11, "DZ")
    first = submit(users.editor, cell, "agreed")
    services.return_proposal(second_editor, first, expected_version=1, comment="Which date?")
    with pytest.raises(PermissionDenied):
        services.repropose(second_editor, first, expected_version=cell.version_for(second_editor))
    again = services.repropose(
        users.editor,
        first,
        expected_version=cell.version_for(users.editor),
        effective_on=D(2019, 3, 1),
    )
    assert again.supersedes == first and again.state == "open"
    assert (again.level, again.effective_on) == ("agreed", D(2019, 3, 1))
    with pytest.raises(ValidationError):
        services.repropose(users.editor, first, expected_version=cell.version_for(users.editor))
    services.approve_proposal(second_editor, again, expected_version=1)
    assert level_of(cell, users.reader) == "agreed"


def test_a_batch_with_one_refusal_files_nothing(users):
    cells = [cell_at(11, "DZ"), cell_at(12, "DZ"), cell_at(11, "TN")]
    before = footprint()
    entries = [
        {
            "cell": c,
            "level": "agreed",
            "effective_on": D(2020, 1, 1),
            "expected_version": c.version_for(users.editor),
            "rationale_en": "Batch.",
        }
        for c in cells
    ]
    with pytest.raises(PermissionDenied):
        services.submit_assessments(users.editor, entries)
    assert footprint() == before
    made = services.submit_assessments(users.editor, entries[:2])
    assert [type(m) for m in made] == [Proposal, Proposal]
    assert len({r.revision for r in ChangeRecord.objects.filter(revision__gt=before[0])}) == 1


def test_every_step_is_audited_under_the_proposals_marking_and_moves_no_audience(
    users, second_editor
):
    cell = cell_at(11, "DZ")
    audiences = sorted(AudienceRevision.objects.values_list("audience", "revision"))
    proposal = submit(users.editor, cell, "agreed", marking=marking("restricted"))
    services.return_proposal(second_editor, proposal, expected_version=1, comment="No.")
    again = services.repropose(
        users.editor, proposal, expected_version=cell.version_for(users.editor)
    )
    services.withdraw_proposal(users.editor, again, expected_version=1)
    # Nothing published yet: no reader's ETag has moved.
    assert sorted(AudienceRevision.objects.values_list("audience", "revision")) == audiences
    kind = ContentType.objects.get_for_model(Proposal)
    records = ChangeRecord.objects.filter(content_type=kind).order_by("revision", "id")
    assert [(r.action, r.actor, r.marking.key) for r in records] == [
        ("create", users.editor, "restricted"),
        ("update", second_editor, "restricted"),
        ("create", users.editor, "restricted"),
        ("update", users.editor, "restricted"),
    ]
    assert records[1].after["state"] == "returned"
    # Its history is read by those who may see the proposal, nobody else.
    assert ChangeRecord.objects.visible_to(second_editor).filter(content_type=kind).count() == 4
    assert not ChangeRecord.objects.visible_to(users.restricted_reader).filter(content_type=kind)


def test_approval_publishes_under_one_revision_with_its_audit(users, second_editor):
    proposal = submit(users.editor, cell_at(11, "DZ"), "agreed")
    start = latest_revision()
    services.approve_proposal(second_editor, proposal, expected_version=1)
    records = list(ChangeRecord.objects.filter(revision__gt=start))
    assert {r.revision for r in records} == {start + 1}
    assert {r.content_type.model for r in records} == {"assessment", "proposal"}
    assert {r.actor for r in records} == {second_editor}


@pytest.mark.parametrize("value", ["sometimes", "", "LEVEL_CHANGES"])
def test_a_bad_review_setting_fails_the_system_check(settings, value):
    settings.CBM_REVIEW = value
    errors = [e for e in checks.run_checks() if e.id == "measures.E001"]
    assert len(errors) == 1 and "CBM_REVIEW" in errors[0].msg


def test_the_review_settings_pass_the_system_check(settings):
    for value in ("none", "level_changes", "all"):
        settings.CBM_REVIEW = value
        assert not [e for e in checks.run_checks() if e.id == "measures.E001"]
