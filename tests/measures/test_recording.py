"""One-pass recording (issue 14 §3): a level, the new evidence it rests on and
the new source that evidence cites, written by one service call — one
transaction, one revision, all or nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from measures import services
from measures.models import Assessment, Cell, ChangeRecord, Evidence, Proposal, Source
from tests.factories import EvidenceFactory, SourceFactory, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


def assessment(cell, user, **overrides):
    data = {
        "level": "agreed",
        "effective_on": D(2013, 5, 1),
        "expected_version": cell.version_for(user),
        "rationale_en": "Agreed at the 5+5 ministerial.",
        "evidence": [],
        "marking": None,
    }
    data.update(overrides)
    return data


def new_evidence(**overrides):
    data = {
        "summary_en": "The ministers agreed a weapons register.",
        "occurred_on": D(2013, 4, 20),
        "locator": "§ 12",
        "quote": "a register of conventional weapons",
        "direction": "supports",
        "source_reliability": "B",
        "information_credibility": "2",
        "marking": None,
    }
    data.update(overrides)
    return data


def new_source(**overrides):
    data = {
        "title": "Final communiqué of the 5+5 Defence ministerial",
        "publisher": "5+5 Defence Initiative",
        "published_on": D(2013, 4, 21),
        "url": "https://example.org/communique.pdf",
        "language": "en",
        "marking": None,
    }
    data.update(overrides)
    return data


def counts():
    return (Source.objects.count(), Evidence.objects.count(), Assessment.objects.count())


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_level_new_evidence_and_a_new_source_land_together_under_one_revision(users):
    cell = cell_at(4, "DZ")
    cited = EvidenceFactory(cells=[cell_at(4, "MA")], summary_en="Morocco agreed too.")
    before = ChangeRecord.objects.count()
    done = services.record_with_evidence(
        users.editor,
        cell,
        assessment=assessment(cell, users.editor, evidence=[cited]),
        new_evidence=new_evidence(),
        new_source=new_source(),
    )
    assessment_row, item, source = done.result, done.evidence, done.source
    assert isinstance(assessment_row, Assessment)
    assert source.title.startswith("Final communiqué") and source.marking.level == "public"
    assert item.source == source and list(item.cells.all()) == [cell]
    assert item.created_by == users.editor
    assert set(assessment_row.evidence.all()) == {cited, item}
    assert cell in cited.cells.all()  # citing links the cited item to the cell
    records = ChangeRecord.objects.order_by("id")[before:]
    assert len({r.revision for r in records}) == 1
    kinds = sorted(r.content_type.model for r in records)
    assert kinds == ["assessment", "evidence", "evidence", "source"]


def test_under_the_default_review_a_change_waits_but_its_new_evidence_and_source_are_kept(users):
    """Evidence and sources are facts the tracker files at once; only the
    level waits for a second person, citing the new evidence."""
    cell = cell_at(4, "DZ")
    level_before = Cell.objects.with_level(users.editor).get(pk=cell.pk).level
    done = services.record_with_evidence(
        users.editor,
        cell,
        assessment=assessment(cell, users.editor),
        new_evidence=new_evidence(),
        new_source=new_source(),
    )
    assert isinstance(done.result, Proposal) and done.result.state == "open"
    assert list(done.result.evidence.all()) == [done.evidence]
    assert done.evidence.source == done.source and cell in done.evidence.cells.all()
    assert Cell.objects.with_level(users.editor).get(pk=cell.pk).level == level_before


def test_new_evidence_from_an_existing_source_is_cited_and_the_marking_covers_it(users):
    cell = cell_at(4, "DZ")
    restricted = SourceFactory(marking=marking("restricted"))
    done = services.record_with_evidence(
        users.editor,
        cell,
        assessment=assessment(cell, users.editor),
        new_evidence=new_evidence(source=restricted),
    )
    assert done.source is None
    assert done.evidence.marking.level == "restricted"  # the source's, by default
    assert done.result.marking.level == "restricted"  # the lowest covering its evidence


def test_an_assessment_with_nothing_cited_is_allowed(users):
    cell = cell_at(4, "DZ")
    done = services.record_with_evidence(
        users.editor, cell, assessment=assessment(cell, users.editor)
    )
    assert done.evidence is None and not done.result.evidence.exists()


@pytest.mark.parametrize(
    ("evidence_overrides", "source_overrides", "field"),
    [
        ({"summary_en": ""}, {}, "new_evidence-summary_en"),
        ({"locator": ""}, {}, "new_evidence-locator"),
        ({}, {"url": "not a url"}, "new_source-url"),
        ({}, {"title": ""}, "new_source-title"),
        ({}, {"language": "xx"}, "new_source-language"),
    ],
)
def test_a_bad_new_evidence_or_source_leaves_no_row_and_names_its_part(
    users, evidence_overrides, source_overrides, field
):
    cell = cell_at(4, "DZ")
    before, records = counts(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.record_with_evidence(
            users.editor,
            cell,
            assessment=assessment(cell, users.editor),
            new_evidence=new_evidence(**evidence_overrides),
            new_source=new_source(**source_overrides),
        )
    assert field in refused.value.message_dict
    assert counts() == before and ChangeRecord.objects.count() == records


def test_evidence_marked_below_its_new_source_is_refused_on_the_evidence_part(users):
    cell = cell_at(4, "DZ")
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.record_with_evidence(
            users.editor,
            cell,
            assessment=assessment(cell, users.editor),
            new_evidence=new_evidence(marking=marking("public")),
            new_source=new_source(marking=marking("restricted")),
        )
    assert "new_evidence-marking" in refused.value.message_dict
    assert counts() == before


def test_an_assessment_marked_below_its_new_evidence_is_refused_on_its_own_marking(users):
    cell = cell_at(4, "DZ")
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.record_with_evidence(
            users.editor,
            cell,
            assessment=assessment(cell, users.editor, marking=marking("public")),
            new_evidence=new_evidence(marking=marking("restricted")),
            new_source=new_source(),
        )
    assert list(refused.value.message_dict) == ["marking"]
    assert counts() == before


def test_a_stale_version_leaves_no_new_source_or_evidence(users):
    cell = cell_at(4, "DZ")
    stale = assessment(cell, users.editor, expected_version=cell.version_for(users.editor) - 1)
    before = counts()
    with pytest.raises(services.StaleVersion):
        services.record_with_evidence(
            users.editor,
            cell,
            assessment=stale,
            new_evidence=new_evidence(),
            new_source=new_source(),
        )
    assert counts() == before


def test_a_new_source_needs_new_evidence_and_new_evidence_needs_one_source(users):
    cell = cell_at(4, "DZ")
    existing = SourceFactory()
    before = counts()
    cases = [
        ({"new_source": new_source()}, "new_source-title"),
        ({"new_evidence": new_evidence()}, "new_evidence-source"),
        (
            {"new_evidence": new_evidence(source=existing), "new_source": new_source()},
            "new_evidence-source",
        ),
    ]
    for parts, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.record_with_evidence(
                users.editor, cell, assessment=assessment(cell, users.editor), **parts
            )
        assert field in refused.value.message_dict
    assert counts() == before


def test_editors_may_add_sources_readers_and_out_of_scope_editors_may_not(users):
    cell_ml = cell_at(4, "ML")  # outside the editor's scope (DZ, MA)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.record_with_evidence(
            users.reader,
            cell_ml,
            assessment=assessment(cell_ml, users.reader),
            new_evidence=new_evidence(),
            new_source=new_source(),
        )
    with pytest.raises(PermissionDenied):
        services.record_with_evidence(
            users.editor,
            cell_ml,
            assessment=assessment(cell_ml, users.editor),
            new_evidence=new_evidence(),
            new_source=new_source(),
        )
    assert counts() == before


def test_a_new_source_marked_above_the_editors_clearance_is_refused(users):
    cell = cell_at(4, "DZ")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.record_with_evidence(
            users.editor,  # cleared restricted
            cell,
            assessment=assessment(cell, users.editor),
            new_evidence=new_evidence(),
            new_source=new_source(marking=marking("confidential")),
        )
    assert counts() == before


def test_new_source_keys_are_random_and_name_nothing(users):
    cell = cell_at(4, "DZ")
    done = services.record_with_evidence(
        users.editor,
        cell,
        assessment=assessment(cell, users.editor),
        new_evidence=new_evidence(),
        new_source=new_source(),
    )
    assert done.source.key.startswith("s-") and len(done.source.key) == 18
    assert "communiqu" not in done.source.key
