"""Every write goes through the services: validated, scoped, versioned, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countries.models import Country, Initiative, Membership, Region
from measures import services
from measures.audit.revisions import StaleVersion, latest_revision
from measures.models import Assessment, AudienceRevision, Cell, ChangeRecord, Evidence
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date


def footprint():
    """What a refused write must leave exactly as it was."""
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Assessment.objects.count(),
        Evidence.objects.count(),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


def test_a_stale_version_is_refused_and_writes_nothing(users):
    cell = cell_at(11, "DZ")
    read = cell.version_for(users.editor)  # read before the first write
    assess(users.editor, cell, "partial", D(2010, 4, 21))
    before = footprint()
    with pytest.raises(StaleVersion):
        services.record_assessment(
            users.editor,
            cell,
            level="implemented",
            effective_on=D(2012, 1, 1),
            rationale_en="Done.",
            expected_version=read,
        )
    assert footprint() == before


def test_a_write_the_actor_cannot_see_never_makes_them_stale(users):
    cell = cell_at(11, "MA")
    read = cell.version_for(users.editor)  # restricted: no confidential assessment
    hidden = marking("confidential", "MA")
    assess(users.confidential_editor, cell, "implemented", D(2012, 1, 1), marking=hidden)
    assert cell.version_for(users.editor) == read
    assert cell.version_for(users.confidential_editor) == read + 1
    services.record_assessment(
        users.editor,
        cell,
        level="partial",
        effective_on=D(2010, 4, 21),
        rationale_en="Seen in the minutes.",
        expected_version=read,
    )
    assert cell.version_for(users.editor) == read + 1
    # ... while two editors who both see a write cannot overwrite each other.
    with pytest.raises(StaleVersion):
        services.record_assessment(
            users.confidential_editor,
            cell,
            level="agreed",
            effective_on=D(2013, 1, 1),
            rationale_en="x",
            expected_version=read + 1,
        )


def test_a_write_without_the_version_it_read_is_refused(users):
    cell = cell_at(11, "DZ")
    before = footprint()
    with pytest.raises(ValidationError) as excinfo:
        services.record_assessment(
            users.editor,
            cell,
            level="partial",
            effective_on=D(2010, 1, 1),
            rationale_en="x",
            expected_version=None,
        )
    assert "expected_version" in excinfo.value.message_dict
    assert footprint() == before


def test_a_write_leaves_one_audit_record_per_changed_row_under_one_new_revision(users):
    cell = cell_at(4, "DZ")  # no seeded assessment: still at version 1
    evidence = EvidenceFactory()  # not yet linked to the cell: the write links it
    assert (cell.version_for(users.editor), evidence.version) == (1, 1)
    start = latest_revision()
    assessment = assess(users.editor, cell, "partial", D(2010, 4, 21), evidence=[evidence])
    records = list(ChangeRecord.objects.filter(revision__gt=start))
    assert latest_revision() == start + 1
    assert {r.revision for r in records} == {start + 1}
    # The cell stores no version: recording an assessment changes the
    # assessment (and links the evidence), not the cell's row.
    assert sorted((r.content_type.model, r.object_id, r.action) for r in records) == sorted(
        [
            ("assessment", str(assessment.pk), "create"),
            ("evidence", str(evidence.pk), "update"),
        ]
    )
    assert all(r.actor == users.editor and r.actor_username == "editor_dz" for r in records)
    # The cell's version moved for the actor, who sees the assessment; the
    # evidence's version moved with its new link.
    assert cell.version_for(users.editor) == 2
    evidence.refresh_from_db()
    assert evidence.version == 2
    link = next(r for r in records if r.content_type.model == "evidence")
    assert (link.before["version"], link.after["version"]) == (1, 2)


def test_revisions_are_gap_free_and_in_commit_order_even_when_writes_fail(users):
    start = latest_revision()
    cell = cell_at(11, "DZ")
    assess(users.editor, cell, "under_discussion", D(2009, 1, 1))
    with pytest.raises(StaleVersion):
        services.record_assessment(
            users.editor,
            cell,
            level="partial",
            effective_on=D(2010, 1, 1),
            rationale_en="x",
            expected_version=1,
        )
    assess(users.editor, cell, "partial", D(2010, 4, 21))
    revisions = list(
        ChangeRecord.objects.filter(revision__gt=start)
        .order_by("id")
        .values_list("revision", flat=True)
    )
    assert sorted(set(revisions)) == list(range(start + 1, latest_revision() + 1))
    assert revisions == sorted(revisions)


def test_a_retraction_hides_an_assessment_from_levels_but_keeps_it_in_history(users):
    cell = cell_at(4, "DZ")  # no seeded assessment
    assess(users.editor, cell, "partial", D(2010, 4, 21))
    wrong = assess(users.editor, cell, "implemented", D(2012, 1, 1))
    assert Cell.objects.with_level(users.editor).get(pk=cell.pk).level == "implemented"

    assert cell.version_for(users.editor) == 3
    services.retract_assessment(
        users.editor,
        wrong,
        reason="Misread the source.",
        expected_version=cell.version_for(users.editor),
    )
    assert cell.version_for(users.editor) == 4  # a retraction counts as a second event

    assert Cell.objects.with_level(users.editor).get(pk=cell.pk).level == "partial"
    wrong.refresh_from_db()
    assert wrong.retracted and wrong.retracted_by == users.editor
    assert cell.assessments.count() == 2
    record = ChangeRecord.objects.get(object_id=str(wrong.pk), action="retract")
    assert record.before["retracted"] is False and record.after["retracted"] is True


def test_assessments_are_never_edited_or_deleted(users):
    assessment = assess(users.editor, cell_at(11, "DZ"), "partial", D(2010, 4, 21))
    assessment.level = "implemented"
    with pytest.raises(ValidationError):
        assessment.save()
    with pytest.raises(ValidationError):
        assessment.delete()


def test_an_assessment_must_be_marked_at_least_as_high_as_its_evidence(users):
    cell = cell_at(11, "MA")
    secret = EvidenceFactory(
        source=SourceFactory(marking=marking("confidential", "MA")), cells=[cell]
    )
    before = footprint()
    with pytest.raises(ValidationError) as excinfo:
        assess(
            users.confidential_editor,
            cell,
            "partial",
            D(2011, 1, 1),
            evidence=[secret],
            marking=marking("public"),
        )
    assert "at least as high" in str(excinfo.value)
    assert footprint() == before
    # With no marking given, the assessment takes the lowest one that covers its evidence.
    assessment = assess(
        users.confidential_editor, cell, "partial", D(2011, 1, 1), evidence=[secret]
    )
    assert assessment.marking == secret.marking


def test_evidence_must_be_marked_at_least_as_high_as_its_source(users):
    source = SourceFactory(marking=marking("restricted"))
    with pytest.raises(ValidationError):
        EvidenceFactory(source=source, marking=marking("public"))
    widened = marking("restricted", "MA", "FR")  # releasable to more parties than its source
    with pytest.raises(ValidationError):
        EvidenceFactory(source=SourceFactory(marking=marking("restricted", "MA")), marking=widened)


def test_evidence_cannot_be_re_marked_below_its_source_or_above_what_rests_on_it(users):
    cell = cell_at(11, "MA")
    item = EvidenceFactory(source=SourceFactory(marking=marking("restricted")), cells=[cell])
    with pytest.raises(ValidationError):
        services.remark_evidence(users.admin, item, marking("public"), expected_version=1)
    assess(users.editor, cell, "partial", D(2011, 1, 1), evidence=[item])
    with pytest.raises(ValidationError) as excinfo:
        services.remark_evidence(users.admin, item, marking("confidential"), expected_version=1)
    assert "retract them first" in str(excinfo.value)
    item.refresh_from_db()
    assert item.marking.level == "restricted" and item.version == 1


def test_evidence_is_re_marked_up_once_what_rests_on_it_is_retracted_and_down_again(users):
    cell = cell_at(11, "MA")
    item = EvidenceFactory(cells=[cell])
    resting = assess(users.admin, cell, "partial", D(2011, 1, 1), evidence=[item])
    with pytest.raises(ValidationError) as refused:
        services.remark_evidence(users.admin, item, marking("confidential"), expected_version=1)
    assert str(resting.public_id) in str(refused.value)  # named by its public id
    services.retract_assessment(
        users.admin, resting, reason="Wrong cell.", expected_version=cell.version_for(users.admin)
    )

    services.remark_evidence(users.admin, item, marking("confidential"), expected_version=1)
    services.remark_evidence(users.admin, item, marking("restricted"), expected_version=2)

    item.refresh_from_db()
    assert (item.marking.key, item.version) == ("restricted", 3)


def test_a_re_marking_refusal_names_no_assessment_the_writer_may_not_see(users):
    cell = cell_at(11, "MA")
    item = EvidenceFactory(cells=[cell])
    french = make_user("writer_fr", role="admin", clearance="confidential", affiliations=["FR"])
    hidden = assess(
        french,
        cell,
        "partial",
        D(2011, 1, 1),
        evidence=[item],
        marking=marking("restricted", "FR"),
    )
    editor = users.confidential_editor  # affiliated with Morocco, not France
    seen = assess(editor, cell, "agreed", D(2012, 1, 1), evidence=[item])

    with pytest.raises(ValidationError) as refused:
        services.remark_evidence(editor, item, marking("restricted", "MA"), expected_version=1)

    message = str(refused.value)
    assert str(seen.public_id) in message
    assert str(hidden.public_id) not in message and f" {hidden.pk}" not in message


def test_re_marking_evidence_is_audited_under_the_higher_marking(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    services.remark_evidence(users.admin, item, marking("confidential", "MA"), expected_version=1)
    record = ChangeRecord.objects.get(object_id=str(item.pk), action="remark")
    assert record.marking.key == "confidential:MA"
    assert record.before["marking"] == "public" and record.after["marking"] == "confidential:MA"


def test_an_editor_cannot_record_outside_their_countries(users):
    cell = cell_at(11, "ML")
    before = footprint()
    with pytest.raises(PermissionDenied):
        assess(users.editor, cell, "partial", D(2010, 4, 21))
    assert footprint() == before


def test_an_editor_may_record_for_a_pair_if_either_country_is_in_scope(users):
    assess(users.editor, cell_at(13, "DZ", "ML"), "partial", D(2010, 4, 21))
    with pytest.raises(PermissionDenied):
        assess(users.editor, cell_at(13, "ML", "MR"), "partial", D(2011, 6, 9))


def test_an_editor_cannot_mark_above_own_clearance(users):
    cell, source = cell_at(11, "DZ"), SourceFactory()
    before = footprint()
    with pytest.raises(PermissionDenied):
        assess(users.editor, cell, "partial", D(2010, 4, 21), marking=marking("confidential"))
    with pytest.raises(PermissionDenied):
        services.create_evidence(
            users.editor,
            source=source,
            occurred_on=D(2010, 4, 21),
            locator="p. 2",
            summary_en="Joint staff set up.",
            direction="supports",
            source_reliability="B",
            information_credibility="2",
            cells=[cell],
            marking=marking("confidential"),
        )
    assert footprint() == before


def test_readers_and_analysts_cannot_write(users):
    for user in (users.reader, users.analyst):
        with pytest.raises(PermissionDenied):
            assess(user, cell_at(11, "DZ"), "partial", D(2010, 4, 21))


def test_bad_input_to_record_assessment_is_refused_with_field_messages(users):
    cell = cell_at(11, "DZ")
    before = footprint()
    cases = [
        ({"level": "finished"}, "level"),
        ({"level": "no_evidence"}, "level"),  # derived, never stored
        ({"rationale_en": ""}, "rationale_en"),
        ({"effective_precision": "week"}, "effective_precision"),
    ]
    for override, field in cases:
        kwargs = {
            "level": "partial",
            "effective_on": D(2010, 1, 1),
            "rationale_en": "x",
            "expected_version": cell.version_for(users.editor),
            **override,
        }
        with pytest.raises(ValidationError) as excinfo:
            services.record_assessment(users.editor, cell, **kwargs)
        assert field in excinfo.value.message_dict, (override, excinfo.value)
    assert footprint() == before


def test_evidence_the_actor_cannot_see_is_unknown_to_them(users):
    cell = cell_at(11, "DZ")
    hidden = EvidenceFactory(
        source=SourceFactory(marking=marking("confidential", "MA")), cells=[cell]
    )
    with pytest.raises(ValidationError) as excinfo:
        assess(users.editor, cell, "partial", D(2010, 1, 1), evidence=[hidden])
    assert "Unknown or retracted evidence" in str(excinfo.value)


def test_retracting_requires_a_reason_and_happens_once(users):
    cell = cell_at(11, "DZ")
    assessment = assess(users.editor, cell, "partial", D(2010, 4, 21))
    with pytest.raises(ValidationError):
        services.retract_assessment(
            users.editor,
            assessment,
            reason=" ",
            expected_version=cell.version_for(users.editor),
        )
    services.retract_assessment(
        users.editor,
        assessment,
        reason="Wrong cell.",
        expected_version=cell.version_for(users.editor),
    )
    with pytest.raises(ValidationError):
        services.retract_assessment(
            users.editor,
            assessment,
            reason="Again.",
            expected_version=cell.version_for(users.editor),
        )


def test_deleting_reference_data_audits_every_row_it_removes(users):

    initiative = Initiative.objects.get(slug="ufl")
    pk = initiative.pk
    members = list(Membership.objects.filter(initiative=initiative).values_list("pk", flat=True))
    assert members
    services.delete_reference(users.admin, initiative, expected_version=initiative.version)
    deleted = ChangeRecord.objects.filter(revision=latest_revision(), action="delete")
    assert {(r.content_type.model, r.object_id) for r in deleted} >= {
        ("initiative", str(pk)),
        *(("membership", str(m)) for m in members),
    }


def test_nobody_deletes_what_they_cannot_see(users):

    uncleared = make_user("admin_fr", role="admin", clearance="restricted", affiliations=["FR"])
    pap_t = Initiative.objects.get(slug="pap-t")  # confidential, releasable to NATO and Morocco
    with pytest.raises(PermissionDenied):
        services.delete_reference(uncleared, pap_t, expected_version=pap_t.version)
    assert Initiative.objects.filter(pk=pap_t.pk).exists()


def test_reference_links_are_saved_and_audited(users):

    mauritania = Country.objects.get(pk="MR")
    services.save_reference(
        users.admin,
        mauritania,
        expected_version=mauritania.version,
        links={"regions": [Region.objects.get(code="sahel")]},
    )
    assert list(mauritania.regions.values_list("code", flat=True)) == ["sahel"]
    record = ChangeRecord.objects.get(revision=latest_revision())
    assert record.before["regions"] == ["maghreb", "sahel"] and record.after["regions"] == ["sahel"]
    region = Region.objects.get(code="sahel")
    region.name_fr = "Le Sahel"
    services.save_reference(users.admin, region, expected_version=region.version)
    assert Region.objects.get(code="sahel").version == 2
