"""The admin staff use every week: visibility-filtered reads, writes through the services."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from countries.models import Country, Initiative, Membership
from digests import services as digest_services
from digests.models import Subscription
from measures import services
from measures.audit.revisions import latest_revision
from measures.models import (
    Assessment,
    AudienceRevision,
    Cell,
    ChangeRecord,
    Evidence,
    Marking,
    Source,
    UserProfile,
)
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


# Admins with a list and no object pages (marking ids count markings).
LIST_ONLY = {Marking}


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def footprint():
    """What a refused write must leave exactly as it was."""
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Assessment.objects.count(),
        Evidence.objects.count(),
        Source.objects.count(),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


def page_errors(response):
    """Every error the change form shows (form and non-field)."""
    form = response.context["adminform"].form
    return " ".join(str(m) for messages in form.errors.values() for m in messages)


def texts(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def assessment_post(cell, user, **overrides):
    return {
        "cell": cell.pk,
        "level": "partial",
        "effective_on": "2015-04-21",
        "effective_precision": "day",
        "rationale_en": "Joint staff set up at Tamanrasset.",
        "rationale_fr": "",
        "marking_level": "",
        "releasable_to": "",
        "expected_version": cell.version_for(user),
        "version_of": cell.pk,
        **overrides,
    }


@pytest.fixture
def public_staff(db):
    """A staff member cleared public only (readers proper do not use the admin)."""
    return make_user("analyst_pub", role="analyst", clearance="public")


@pytest.fixture
def cable_evidence(db):
    """A fact from seed 001, the NATO cable: confidential, releasable to NATO and Morocco."""
    return EvidenceFactory(
        source=Source.objects.get(key="001"),
        summary_en="PPC+Morocco meeting at NATO HQ on counter-terrorism.",
        occurred_on=D(2012, 2, 7),
        cells=[cell_at(5, "MA")],
    )


# --- recording assessments --------------------------------------------------------


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_can_record_an_assessment_for_a_cell_in_scope_from_the_admin(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    page = client.get(
        url(Assessment, "add"),
        {
            "cell": cell.pk,
            "version_of": cell.pk,
            "expected_version": cell.version_for(users.editor),
        },
    )
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["expected_version"] == str(
        cell.version_for(users.editor)
    )
    start = latest_revision()

    response = client.post(url(Assessment, "add"), assessment_post(cell, users.editor))

    assert response.status_code == 302, page_errors(response)
    assessment = Assessment.objects.get(cell=cell, revision=start + 1)
    assert (assessment.level, assessment.recorded_by) == ("partial", users.editor)
    records = ChangeRecord.objects.filter(revision=start + 1)
    assert (
        records.filter(content_type__model="assessment", object_id=str(assessment.pk)).count() == 1
    )
    assert latest_revision() == start + 1

    cell_page = client.get(url(Cell, "change", cell.pk))
    history = [
        f for f in cell_page.context["inline_admin_formsets"] if f.formset.model is Assessment
    ][0]
    assert assessment in [form.instance for form in history.formset.forms]
    assert "Joint staff set up at Tamanrasset." in cell_page.content.decode()
    assert cell_page.context["original"].level == "partial"


def test_an_editor_cannot_record_outside_their_countries_through_the_admin(client, users):
    cell = cell_at(17, "ML")
    client.force_login(users.editor)
    before = footprint()

    response = client.post(url(Assessment, "add"), assessment_post(cell, users.editor))

    assert response.status_code == 200
    assert "outside your country scope" in page_errors(response)
    assert footprint() == before
    # Nor is the button offered on the cell's page.
    page = client.get(url(Cell, "change", cell.pk))
    assert "Record assessment" not in page.content.decode()
    assert (
        "Record assessment"
        in client.get(url(Cell, "change", cell_at(17, "DZ").pk)).content.decode()
    )


def test_an_editor_cannot_mark_above_own_clearance_through_the_admin(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)  # cleared restricted
    before = footprint()

    response = client.post(
        url(Assessment, "add"), assessment_post(cell, users.editor, marking_level="confidential")
    )
    assert response.status_code == 200
    assert "above your clearance" in page_errors(response)

    response = client.post(
        url(Source, "add"),
        {
            "key": "secret-1",
            "title": "A secret report",
            "language": "en",
            "marking_level": "confidential",
            "releasable_to": "",
        },
    )
    assert response.status_code == 200
    assert "above your clearance" in page_errors(response)
    assert footprint() == before


def test_a_marking_with_an_unknown_releasable_to_code_is_refused_on_the_field(client, users):
    client.force_login(users.admin)
    before = footprint()
    response = client.post(
        url(Assessment, "add"),
        assessment_post(
            cell_at(17, "DZ"), users.admin, marking_level="restricted", releasable_to="MA, atlantis"
        ),
    )
    assert response.status_code == 200
    assert "Unknown releasable-to code(s): atlantis" in page_errors(response)
    assert footprint() == before


def test_a_stale_admin_form_is_refused_and_writes_nothing(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    # The editor opens the form at version 1; a colleague records meanwhile.
    client.get(url(Assessment, "add"), {"cell": cell.pk})
    assess(users.admin, cell, "under_discussion", D(2009, 1, 1))
    before = footprint()

    response = client.post(
        url(Assessment, "add"),
        assessment_post(cell, users.editor, expected_version=1, level="implemented"),
    )

    assert response.status_code == 200
    assert "Someone changed this since you opened it" in page_errors(response)
    assert "Nothing was saved" in page_errors(response)
    assert response.context["adminform"].form["level"].value() == "implemented"  # input kept
    assert footprint() == before


def test_a_stale_source_form_is_refused_and_writes_nothing(client, users):
    source = SourceFactory(title="Before")
    client.force_login(users.editor)
    page = client.get(url(Source, "change", source.pk))
    assert page.context["adminform"].form.initial["expected_version"] == 1
    source.title = "A colleague's title"
    services.save_source(users.admin, source, expected_version=1)
    before = footprint()

    response = client.post(
        url(Source, "change", source.pk),
        {
            "key": source.key,
            "title": "Mine",
            "language": "en",
            "marking_level": "public",
            "releasable_to": "",
            "expected_version": 1,
        },
    )

    assert response.status_code == 200
    assert "Someone changed this since you opened it" in page_errors(response)
    assert footprint() == before
    source.refresh_from_db()
    assert (source.title, source.version) == ("A colleague's title", 2)


def test_a_source_is_saved_and_re_marked_through_the_service(client, users):
    client.force_login(users.confidential_editor)  # affiliated with Morocco
    response = client.post(
        url(Source, "add"),
        {
            "key": "t-1",
            "title": "A report",
            "language": "en",
            "marking_level": "restricted",
            "releasable_to": "MA",
        },
    )
    assert response.status_code == 302, page_errors(response)
    source = Source.objects.get(key="t-1")
    assert (source.marking.key, source.version) == ("restricted:MA", 1)
    assert ChangeRecord.objects.filter(
        content_type__model="source", object_id=str(source.pk), action="create"
    ).exists()

    response = client.post(
        url(Source, "change", source.pk),
        {
            "key": "t-1",
            "title": "A report",
            "language": "en",
            "marking_level": "restricted",
            "releasable_to": "",
            "expected_version": 1,
        },
    )
    assert response.status_code == 302, page_errors(response)
    source.refresh_from_db()
    assert (source.marking.key, source.version) == ("restricted", 2)


# --- the bulk action ---------------------------------------------------------------------


def bulk_post(cells, **fields):
    return {
        "action": "record_assessment",
        "_selected_action": [c.pk for c in cells],
        **fields,
    }


def apply_fields(versions, **overrides):
    return {
        "apply": "1",
        "level": "agreed",
        "effective_on": "2015-06-02",
        "effective_precision": "day",
        "rationale_en": "Agreed at the June meeting.",
        "rationale_fr": "",
        "marking_level": "",
        "releasable_to": "",
        **{f"version_{pk}": v for pk, v in versions.items()},
        **overrides,
    }


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_bulk_action_records_one_assessment_per_selected_cell_under_one_revision(client, users):
    cells = [cell_at(6, "DZ"), cell_at(6, "MA"), cell_at(9, "DZ", "ML")]
    client.force_login(users.editor)
    page = client.post(url(Cell, "changelist"), {**bulk_post(cells), "index": 0})
    assert page.status_code == 200
    form = page.context["form"]
    versions = {pk: form[f"version_{pk}"].value() for pk in form.version_keys}
    assert versions == {c.pk: c.version_for(users.editor) for c in cells}
    start = latest_revision()

    response = client.post(url(Cell, "changelist"), bulk_post(cells, **apply_fields(versions)))

    assert response.status_code == 302
    created = Assessment.objects.filter(revision=start + 1)
    assert sorted(a.cell_id for a in created) == sorted(c.pk for c in cells)
    assert {a.level for a in created} == {"agreed"}
    assert latest_revision() == start + 1
    assert "in one transaction" in texts(response)
    levels = Cell.objects.with_level(users.editor).filter(pk__in=[c.pk for c in cells])
    assert {s.level for s in levels} == {"agreed"}


def test_the_bulk_action_refuses_entirely_if_one_cell_is_stale(client, users):
    cells = [cell_at(6, "DZ"), cell_at(6, "MA")]
    versions = {c.pk: c.version_for(users.editor) for c in cells}  # what the page showed
    assess(users.admin, cells[1], "not_started", D(2009, 1, 1))  # a colleague, meanwhile
    client.force_login(users.editor)
    before = footprint()

    response = client.post(url(Cell, "changelist"), bulk_post(cells, **apply_fields(versions)))

    assert response.status_code == 200
    assert "Someone changed this since you opened it" in str(response.context["form"].errors)
    assert footprint() == before


def test_the_bulk_action_refuses_entirely_if_one_cell_is_out_of_scope(client, users):
    cells = [cell_at(6, "DZ"), cell_at(6, "ML")]
    versions = {c.pk: c.version_for(users.editor) for c in cells}
    client.force_login(users.editor)
    before = footprint()

    response = client.post(url(Cell, "changelist"), bulk_post(cells, **apply_fields(versions)))

    assert response.status_code == 302
    assert "outside your country scope" in texts(response)
    assert footprint() == before


def test_the_bulk_action_needs_a_rationale_and_the_versions_the_user_saw(client, users):
    cells = [cell_at(6, "DZ")]
    client.force_login(users.editor)
    before = footprint()
    response = client.post(
        url(Cell, "changelist"),
        bulk_post(cells, **apply_fields({cells[0].pk: 1}, rationale_en=" ")),
    )
    assert "rationale" in str(response.context["form"].errors["rationale_en"])
    response = client.post(url(Cell, "changelist"), bulk_post(cells, **apply_fields({})))
    assert "out of date" in response.content.decode()
    assert footprint() == before


def test_the_bulk_action_is_not_offered_to_analysts(client, users):
    client.force_login(users.analyst)
    response = client.get(url(Cell, "changelist"))
    assert response.status_code == 200
    assert "record_assessment" not in response.content.decode()


# --- visibility ----------------------------------------------------------------------------


def test_a_reader_cleared_public_never_sees_confidential_evidence_in_the_admin(
    client, users, public_staff, cable_evidence
):
    cell = cell_at(5, "MA")
    assess(users.admin, cell, "under_discussion", D(2015, 1, 1))
    hidden = assess(
        users.admin,
        cell,
        "partial",
        D(2016, 2, 7),
        evidence=[cable_evidence],
        rationale="Secret rationale from the cable.",
    )

    client.force_login(public_staff)
    listing = client.get(url(Evidence, "changelist"))
    assert listing.status_code == 200
    assert not [e for e in listing.context["cl"].result_list if e.source.key == "001"]
    assert "PPC+Morocco" not in listing.content.decode()
    assert client.get(url(Evidence, "change", cable_evidence.public_id)).status_code == 404
    assert client.get(url(Source, "change", Source.objects.get(key="001").pk)).status_code == 404
    assert "Compte rendu" not in client.get(url(Source, "changelist")).content.decode()
    assert "Compte rendu" not in client.get(url(Evidence, "changelist")).content.decode()

    cells = client.get(url(Cell, "changelist"), {"q": "MA", "measure__id__exact": 5})
    [row] = [s for s in cells.context["cl"].result_list if s.pk == cell.pk]
    assert row.level == "under_discussion"  # computed from what this viewer may see

    page = client.get(url(Cell, "change", cell.pk)).content.decode()
    assert "PPC+Morocco" not in page
    assert "Secret rationale" not in page
    assert client.get(url(Assessment, "change", hidden.public_id)).status_code == 404
    assert hidden.pk not in [
        a.pk for a in client.get(url(Assessment, "changelist")).context["cl"].result_list
    ]
    records = client.get(url(ChangeRecord, "changelist"), {"q": "PPC"}).context["cl"].result_list
    assert not records

    # The NATO analyst sees all of it.
    client.force_login(users.analyst)
    assert client.get(url(Evidence, "change", cable_evidence.public_id)).status_code == 200
    cells = client.get(url(Cell, "changelist"), {"q": "MA", "measure__id__exact": 5})
    [row] = [s for s in cells.context["cl"].result_list if s.pk == cell.pk]
    assert row.level == "partial"
    assert "PPC+Morocco" in client.get(url(Cell, "change", cell.pk)).content.decode()


def test_a_confidential_analyst_not_on_the_releasable_list_does_not_see_the_cable(
    client, users, cable_evidence
):
    client.force_login(users.french_analyst)  # confidential, but not NATO or Morocco
    assert client.get(url(Evidence, "change", cable_evidence.public_id)).status_code == 404
    response = client.get(url(Evidence, "changelist"))
    assert cable_evidence not in response.context["cl"].result_list
    # Nor as a choice in the source filter.
    assert "Compte rendu" not in response.content.decode()


def test_readers_do_not_use_the_admin(client, users):
    client.force_login(users.reader)
    response = client.get(url(Evidence, "changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_evidence_choices_in_forms_are_only_the_visible_ones(client, users, cable_evidence):
    client.force_login(users.editor)
    page = client.get(url(Evidence, "add"))
    choices = page.context["adminform"].form.fields["source"].queryset
    assert not choices.filter(key="001").exists()
    assert choices.filter(key="000").exists()
    form = client.get(url(Assessment, "add")).context["adminform"].form
    assert cable_evidence not in form.fields["evidence"].queryset
    # Choosing it anyway is refused as an invalid choice, and writes nothing.
    before = footprint()
    response = client.post(
        url(Assessment, "add"),
        assessment_post(cell_at(5, "MA"), users.editor, evidence=[str(cable_evidence.public_id)]),
    )
    assert "evidence" in response.context["adminform"].form.errors
    assert footprint() == before
    # The autocomplete lists visible evidence only.
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "measures", "model_name": "assessment", "field_name": "evidence"},
    )
    assert str(cable_evidence.pk) not in [r["id"] for r in response.json()["results"]]


# --- evidence -------------------------------------------------------------------------------


def test_evidence_is_added_linked_and_re_marked_through_the_services(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    response = client.post(
        url(Evidence, "add"),
        {
            "occurred_on": "2010-09-26",
            "occurred_precision": "day",
            "summary_en": "Intelligence cell created in Algiers.",
            "summary_fr": "",
            "quote": "",
            "source": Source.objects.get(key="002").pk,
            "locator": "p. 3",
            "direction": "supports",
            "source_reliability": "B",
            "information_credibility": "2",
            "cells": [cell.pk],
            "marking_level": "",
            "releasable_to": "",
        },
    )
    assert response.status_code == 302, page_errors(response)
    item = Evidence.objects.get(summary_en="Intelligence cell created in Algiers.")
    assert (item.created_by, item.marking.key, list(item.cells.all())) == (
        users.editor,
        "public",
        [cell],
    )

    more = cell_at(17, "MA")
    page = client.get(url(Evidence, "change", item.public_id))
    assert page.context["adminform"].form.initial["expected_version"] == 1
    response = client.post(
        url(Evidence, "change", item.public_id),
        {
            "add_cells": [more.pk],
            "marking_level": "restricted",
            "releasable_to": "",
            "remark_reason": "Source asked us to.",
            "expected_version": 1,
        },
    )
    assert response.status_code == 302, page_errors(response)
    item.refresh_from_db()
    assert set(item.cells.all()) == {cell, more}
    assert (item.marking.key, item.version) == ("restricted", 3)
    assert ChangeRecord.objects.filter(object_id=str(item.pk), action="remark").exists()

    # A second tab still at version 1 is refused.
    before = footprint()
    response = client.post(
        url(Evidence, "change", item.public_id),
        {"add_cells": [cell_at(6, "MA").pk], "marking_level": "restricted", "expected_version": 1},
    )
    assert "Someone changed this since you opened it" in page_errors(response)
    assert footprint() == before


def test_a_retraction_from_the_admin_needs_a_reason(client, users):
    cell = cell_at(17, "DZ")
    assess(users.editor, cell, "partial", D(2015, 4, 21))
    wrong = assess(users.editor, cell, "implemented", D(2016, 1, 1))
    cell.refresh_from_db()
    client.force_login(users.editor)
    page = client.get(url(Assessment, "retract", wrong.public_id))
    assert page.status_code == 200
    before = footprint()

    response = client.post(
        url(Assessment, "retract", wrong.public_id),
        {"apply": "1", "reason": "  ", f"version_{cell.pk}": cell.version_for(users.editor)},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert footprint() == before

    response = client.post(
        url(Assessment, "changelist"),
        {
            "action": "retract_selected",
            "_selected_action": [str(wrong.public_id)],
            "apply": "1",
            "reason": "Misread the source.",
            f"version_{cell.pk}": cell.version_for(users.editor),
        },
    )
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert wrong.retracted and wrong.retracted_reason == "Misread the source."
    assert Cell.objects.with_level(users.editor).get(pk=cell.pk).level == "partial"
    page = client.get(url(Cell, "change", cell.pk)).content.decode()
    assert "<s>implemented</s>" in page and "Misread the source." in page


def test_retracting_several_assessments_of_one_cell_is_all_or_nothing(client, users):
    cell = cell_at(17, "DZ")
    first = assess(users.editor, cell, "partial", D(2010, 4, 21))
    second = assess(users.editor, cell, "implemented", D(2012, 1, 1))
    outside = assess(users.admin, cell_at(17, "ML"), "partial", D(2010, 4, 21))
    cell.refresh_from_db()
    client.force_login(users.editor)
    before = footprint()
    data = {
        "action": "retract_selected",
        "_selected_action": [str(a.public_id) for a in (first, second, outside)],
        "apply": "1",
        "reason": "Wrong cell.",
        f"version_{cell.pk}": cell.version_for(users.editor),
        f"version_{outside.cell_id}": outside.cell.version_for(users.editor),
    }
    response = client.post(url(Assessment, "changelist"), data)
    assert response.status_code == 200
    assert "outside your country scope" in str(response.context["form"].errors)
    assert footprint() == before

    data["_selected_action"] = [str(first.public_id), str(second.public_id)]
    response = client.post(url(Assessment, "changelist"), data)
    assert response.status_code == 302
    assert Assessment.objects.filter(pk__in=[first.pk, second.pk], retracted=True).count() == 2


def test_evidence_is_retracted_with_a_reason_not_deleted(client, users):
    item = EvidenceFactory(cells=[cell_at(17, "DZ")])
    client.force_login(users.editor)
    assert (
        "delete" not in client.get(url(Evidence, "change", item.public_id)).content.decode().lower()
    )
    assert client.post(url(Evidence, "delete", item.public_id), {"post": "yes"}).status_code == 403
    assert client.get(url(Evidence, "change", item.pk)).status_code == 404  # no sequential ids
    response = client.post(
        url(Evidence, "retract", item.public_id),
        {"apply": "1", "reason": "Duplicate entry.", f"version_{item.public_id.hex}": item.version},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.retracted and item.retracted_by == users.editor


# --- append-only, read-only -------------------------------------------------------------------


def test_assessments_cannot_be_changed_or_deleted_in_the_admin(client, users):
    assessment = assess(users.editor, cell_at(17, "DZ"), "partial", D(2010, 4, 21))
    client.force_login(users.admin)
    page = client.get(url(Assessment, "change", assessment.public_id))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    before = footprint()
    post = assessment_post(assessment.cell, users.admin, level="implemented")
    assert client.post(url(Assessment, "change", assessment.public_id), post).status_code == 403
    assert (
        client.post(url(Assessment, "delete", assessment.public_id), {"post": "yes"}).status_code
        == 403
    )
    changelist = client.get(url(Assessment, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert footprint() == before
    assessment.refresh_from_db()
    assert assessment.level == "partial"


def test_the_audit_trail_and_markings_are_read_only(client, users):
    client.force_login(users.admin)
    record = ChangeRecord.objects.filter(marking__isnull=True).first()
    assert client.get(url(ChangeRecord, "change", record.public_id)).status_code == 200
    assert client.get(url(ChangeRecord, "add")).status_code == 403
    assert (
        client.post(url(ChangeRecord, "delete", record.public_id), {"post": "yes"}).status_code
        == 403
    )
    # Markings are a list only: no add or change page (their ids are in no URL).
    marking = Marking.objects.first()
    assert client.get("/admin/measures/marking/add/").status_code == 404
    change = f"/admin/measures/marking/{marking.pk}/change/"
    assert client.post(change, {"level": "public"}).status_code == 404


def test_analysts_get_a_view_only_admin(client, users, cable_evidence):
    client.force_login(users.analyst)
    page = client.get(url(Evidence, "change", cable_evidence.public_id))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "CONFIDENTIAL" in page.content.decode()  # the marking banner
    before = footprint()
    assert client.get(url(Evidence, "add")).status_code == 403
    assert client.post(url(Source, "add"), {"key": "x", "title": "x"}).status_code == 403
    assert footprint() == before


# --- every page renders, in a constant number of queries -----------------------------------


def admin_key(obj):
    """How the admin addresses a row: marked rows and audit records by public id."""
    return getattr(obj, "public_id", obj.pk)


def test_every_admin_changelist_and_add_page_renders_for_an_admin(client, users, cable_evidence):
    cell = cell_at(17, "MA")
    assess(users.admin, cell, "partial", D(2010, 4, 21), evidence=[cable_evidence])
    client.force_login(users.admin)
    request = client.get(reverse("admin:index")).wsgi_request
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("countries", "measures"):
            continue
        name = model._meta.label
        assert client.get(url(model, "changelist")).status_code == 200, name
        if model in LIST_ONLY:
            continue
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert client.get(url(model, "add")).status_code == expected, name
        obj = model_admin.get_queryset(request).first()
        if obj is not None:
            assert client.get(url(model, "change", admin_key(obj))).status_code == 200, name


def test_every_admin_page_renders_view_only_for_an_analyst(client, users, cable_evidence):
    client.force_login(users.moroccan_analyst)
    request = client.get(reverse("admin:index")).wsgi_request
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("countries", "measures"):
            continue
        name = model._meta.label
        if not model_admin.has_view_permission(request):  # digest operations: admins only
            assert client.get(url(model, "changelist")).status_code == 403, name
            continue
        assert client.get(url(model, "changelist")).status_code == 200, name
        obj = model_admin.get_queryset(request).first()
        if obj is not None and model not in LIST_ONLY:
            page = client.get(url(model, "change", admin_key(obj)))
            assert page.status_code == 200, name
            assert 'name="_save"' not in page.content.decode(), name


def _grow(n, users, offset):
    """n more cells, each with one piece of evidence and one assessment."""

    countries = list(Country.objects.order_by("iso2")[offset : offset + n])
    for country in countries:
        cell = cell_at(1, country.pk)
        item = EvidenceFactory(cells=[cell])
        assess(users.admin, cell, "agreed", D(2011, 1, 1), evidence=[item])


@pytest.mark.parametrize(
    "model", [Cell, Evidence, Assessment, ChangeRecord, Source, Initiative, Membership]
)
def test_big_changelists_take_the_same_number_of_queries_at_two_sizes(client, users, model):
    client.force_login(users.admin)
    changelist = url(model, "changelist")

    def count():
        client.get(changelist)  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(changelist).status_code == 200
        return len(queries)

    _grow(3, users, 0)
    small = count()
    _grow(12, users, 3)
    assert count() == small
    assert small <= 20


def test_the_cell_page_takes_a_bounded_number_of_queries(
    client, users, django_assert_max_num_queries
):
    cell = cell_at(17, "DZ")
    for day in range(1, 8):
        item = EvidenceFactory(cells=[cell])
        assess(users.admin, cell, "partial", D(2010, 1, day), evidence=[item])
    client.force_login(users.admin)
    client.get(url(Cell, "change", cell.pk))
    with django_assert_max_num_queries(40):
        assert client.get(url(Cell, "change", cell.pk)).status_code == 200


# --- lists staff work from, and profiles --------------------------------------------------------


def test_the_cell_list_filters_by_level_for_the_viewer_and_by_initiative(client, users):
    cell = cell_at(12, "TN")
    assess(users.admin, cell, "implemented", D(2015, 1, 1))
    client.force_login(users.analyst)
    rows = client.get(
        url(Cell, "changelist"), {"level": "implemented", "measure__id__exact": cell.measure_id}
    )
    assert cell in rows.context["cl"].result_list
    assert {s.level for s in rows.context["cl"].result_list} == {"implemented"}
    not_rated = client.get(url(Cell, "changelist"), {"level": "no_evidence"}).context["cl"]
    assert not_rated.result_count > 0
    assert {s.level for s in not_rated.result_list} == {"no_evidence"}

    cemoc = Initiative.objects.get(slug="cemoc")
    members = set(Membership.objects.filter(initiative=cemoc).values_list("country_id", flat=True))
    rows = client.get(url(Cell, "changelist"), {"initiative": cemoc.pk, "measure__id__exact": 17})
    assert {s.country_id for s in rows.context["cl"].result_list} == members


def test_an_admin_grants_a_role_from_the_profile_page_through_the_service(client, users):
    profile = users.editor.cbm_profile
    client.force_login(users.admin)
    page = client.get(url(UserProfile, "change", profile.pk))
    assert page.context["adminform"].form.initial["role"] == "editor"
    start = latest_revision()
    response = client.post(
        url(UserProfile, "change", profile.pk),
        {
            "role": "editor",
            "clearance": "restricted",
            "scope_countries": ["DZ", "MA", "TN"],
            "affiliated_countries": [],
            "affiliated_initiatives": [],
        },
    )
    assert response.status_code == 302, page_errors(response)
    profile.refresh_from_db()
    assert set(profile.scope_countries.values_list("pk", flat=True)) == {"DZ", "MA", "TN"}
    assert ChangeRecord.objects.filter(
        revision=start + 1, content_type__model="userprofile"
    ).exists()


def test_staff_other_than_admins_see_only_their_own_profile(client, users):
    client.force_login(users.editor)
    rows = client.get(url(UserProfile, "changelist")).context["cl"].result_list
    assert [p.user for p in rows] == [users.editor]
    other = users.analyst.cbm_profile
    assert client.get(url(UserProfile, "change", other.pk)).status_code == 404


def test_digest_subscriptions_are_read_only_for_admins_and_hide_marked_follows(client, users):
    pap_t = Initiative.objects.get(slug="pap-t")  # confidential, NATO and Morocco
    subscription = digest_services.subscribe(users.analyst, countries=["MA"], initiatives=[pap_t])
    client.force_login(users.analyst)
    assert client.get(url(Subscription, "changelist")).status_code == 403
    client.force_login(users.admin)
    page = client.get(url(Subscription, "change", subscription.pk))
    assert page.status_code == 200 and "PAP-T" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    limited = make_user("admin_fr", role="admin", clearance="restricted", affiliations=["FR"])
    client.force_login(limited)
    page = client.get(url(Subscription, "change", subscription.pk)).content.decode()
    assert "MA" in page and "PAP-T" not in page
