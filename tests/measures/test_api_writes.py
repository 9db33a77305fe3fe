"""Writes through the API: thin views over the services, scoped, versioned, audited."""

import datetime

import pytest

from measures.models import Assessment, Cell, ChangeRecord, Evidence
from tests.api_helpers import (
    assert_error,
    client,
    footprint,
    url,
)
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


def new_assessment(cell, user, **fields):
    """A POST body, with the cell's version as ``user`` (who sends it) reads it."""
    return {
        "cell": cell.pk,
        "expected_version": cell.version_for(user),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "rationale_en": "Agreed at the May meeting.",
        **fields,
    }


def etag(api, path):
    response = api.get(url(path))
    assert response.status_code == 200
    return response["ETag"]


def records_of(revision):
    return sorted(
        (r.content_type.model, r.action)
        for r in ChangeRecord.objects.filter(revision=revision).select_related("content_type")
    )


# --- POST /assessments/ ------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "admin"])
@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_in_scope_or_an_admin_records_an_assessment_with_audit(users, role):
    user = getattr(users, role)
    cell, item = cell_at(11, "DZ"), EvidenceFactory(cells=[cell_at(11, "DZ")])
    version = cell.version_for(user)
    response = client(user).post(
        url("assessments/"),
        new_assessment(cell, user, evidence=[str(item.public_id)]),
        HTTP_X_REQUEST_ID="req-assess-1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["measure"], body["country"], body["level"]) == (11, "DZ", "agreed")
    assert body["recorded_by"] == user.username and body["evidence"] == [str(item.public_id)]
    assert "revision" not in body
    assert response["X-Request-ID"] == "req-assess-1"
    assessment = Assessment.objects.get(public_id=body["id"])
    assert cell.version_for(user) == version + 1
    # The cell stores no version: the assessment is the only row written.
    assert records_of(assessment.revision) == [("assessment", "create")]
    assert set(
        ChangeRecord.objects.filter(revision=assessment.revision).values_list(
            "request_id", "actor_username"
        )
    ) == {("req-assess-1", getattr(users, role).username)}


@pytest.mark.parametrize(
    ("role", "country", "code"),
    [
        ("editor", "TN", 403),  # out of scope
        ("analyst", "DZ", 403),  # read-only
        ("reader", "DZ", 403),
        ("confidential_editor", "DZ", 403),  # scope MA only
    ],
)
def test_a_write_outside_the_callers_scope_or_role_is_403_and_writes_nothing(
    users, role, country, code
):
    cell = cell_at(11, country)
    before = footprint()
    user = getattr(users, role)
    response = client(user).post(url("assessments/"), new_assessment(cell, user))
    assert_error(response, code)
    assert footprint() == before


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_may_record_for_a_pair_when_either_country_is_in_scope(users):
    api = client(users.editor)
    response = api.post(url("assessments/"), new_assessment(cell_at(2, "DZ", "NE"), users.editor))
    assert response.status_code == 201
    before = footprint()
    response = api.post(url("assessments/"), new_assessment(cell_at(2, "ML", "NE"), users.editor))
    assert_error(response, 403)
    assert footprint() == before


def test_a_stale_expected_version_is_412_and_writes_nothing(users):
    cell = cell_at(11, "DZ")
    stale = new_assessment(cell, users.editor)
    assess(users.admin, cell, "partial", D(2012, 1, 1))  # someone wrote first (public)
    before = footprint()
    assert_error(client(users.editor).post(url("assessments/"), stale), 412)
    assert footprint() == before


def test_an_assessment_without_expected_version_is_a_400(users):
    payload = new_assessment(cell_at(11, "DZ"), users.editor)
    del payload["expected_version"]
    before = footprint()
    assert_error(client(users.editor).post(url("assessments/"), payload), 400, "expected_version")
    assert footprint() == before


def test_evidence_the_caller_cannot_see_does_not_exist_for_the_write(users):
    hidden = Evidence.objects.filter(source__key="001").first()
    before = footprint()
    response = client(users.editor).post(
        url("assessments/"),
        new_assessment(cell_at(17, "MA"), users.editor, evidence=[str(hidden.public_id)]),
    )
    body = assert_error(response, 400, "evidence")
    assert "does not exist" in body["fields"]["evidence"][0]
    assert footprint() == before


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_marking_rules_hold_through_the_api(users):
    cell = cell_at(11, "MA")
    secret = EvidenceFactory(
        source=SourceFactory(marking=marking("confidential", "MA")), cells=[cell]
    )
    before = footprint()
    above = new_assessment(
        cell, users.editor, marking={"level": "confidential", "releasable_to": ["MA"]}
    )
    assert_error(client(users.editor).post(url("assessments/"), above), 403)
    secret_id = str(secret.public_id)
    lower = new_assessment(
        cell, users.confidential_editor, evidence=[secret_id], marking={"level": "public"}
    )
    assert_error(client(users.confidential_editor).post(url("assessments/"), lower), 400, "marking")
    assert footprint() == before
    ok = new_assessment(cell, users.confidential_editor, evidence=[secret_id])
    response = client(users.confidential_editor).post(url("assessments/"), ok)
    assert response.status_code == 201
    assert response.json()["marking"]["label"] == "CONFIDENTIAL — releasable to MA"


# --- POST /assessments/{id}/retract/ -----------------------------------------------


def test_retracting_an_assessment_needs_the_cells_version_and_is_audited(users):
    wrong = assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    cell = Cell.objects.get(pk=wrong.cell_id)
    version = cell.version_for(users.editor)
    api = client(users.editor)
    path = url(f"assessments/{wrong.public_id}/retract/")
    before = footprint()
    assert_error(api.post(path, {"reason": "Wrong cell."}), 400, "expected_version")
    assert_error(api.post(path, {"reason": "x", "expected_version": version - 1}), 412)
    assert_error(client(users.analyst).post(path, {"reason": "x", "expected_version": 2}), 403)
    assert footprint() == before
    response = api.post(path, {"reason": "Wrong cell.", "expected_version": version})
    assert response.status_code == 200
    assert response.json()["retracted"] is True
    assert response.json()["retracted_by"] == "editor_dz"
    assert response.json()["id"] == str(wrong.public_id)
    revision = ChangeRecord.objects.latest("revision").revision
    assert records_of(revision) == [("assessment", "retract")]
    assert cell.version_for(users.editor) == version + 1
    again = api.post(path, {"reason": "Again.", "expected_version": version + 1})
    assert_error(again, 400, "retracted")


def test_an_assessment_the_caller_cannot_see_cannot_be_retracted_it_is_404(users):
    hidden = Assessment.objects.get(marking__level="confidential")
    response = client(users.editor).post(
        url(f"assessments/{hidden.public_id}/retract/"), {"reason": "x", "expected_version": 1}
    )
    assert_error(response, 404)


# --- PATCH /cells/{id}/ -----------------------------------------------------------


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_patching_a_cell_with_if_match_records_an_assessment(users):
    cell = cell_at(11, "DZ")
    version = cell.version_for(users.editor)
    api = client(users.editor)
    tag = etag(api, f"cells/{cell.pk}/")
    response = api.patch(
        url(f"cells/{cell.pk}/"),
        {"level": "partial", "effective_on": "2013-02-01", "rationale": "Half done."},
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["level"], body["effective_on"], body["version"]) == (
        "partial",
        "2013-02-01",
        version + 1,
    )
    assert response["ETag"] != tag and response["ETag"] == etag(api, f"cells/{cell.pk}/")
    assessment = Assessment.objects.filter(cell=cell).latest("id")
    assert (assessment.rationale_en, assessment.recorded_by) == ("Half done.", users.editor)
    assert records_of(assessment.revision) == [("assessment", "create")]


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_write_the_caller_cannot_see_changes_neither_their_version_nor_their_etag(users):
    cell = cell_at(11, "MA")
    api = client(users.editor)  # restricted: cannot see a confidential assessment
    path = f"cells/{cell.pk}/"
    read = api.get(url(path))
    tag, version = read["ETag"], read.json()["version"]
    assess(
        users.confidential_editor,
        cell,
        "implemented",
        D(2012, 1, 1),
        marking=marking("confidential", "MA"),
    )
    again = api.get(url(path))
    assert (again["ETag"], again.json()["version"]) == (tag, version)
    response = api.patch(
        url(path),
        {"level": "partial", "effective_on": "2013-02-01", "rationale": "Half done."},
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == version + 1


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_patching_a_cell_in_french_fills_the_french_rationale(users):
    cell = cell_at(11, "DZ")
    api = client(users.editor)
    response = api.patch(
        url(f"cells/{cell.pk}/"),
        {"level": "partial", "effective_on": "2013-02-01", "rationale": "À moitié."},
        HTTP_IF_MATCH=etag(api, f"cells/{cell.pk}/"),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert Assessment.objects.filter(cell=cell).latest("id").rationale_fr == "À moitié."


@pytest.mark.parametrize(("role", "country"), [("editor", "TN"), ("analyst", "DZ")])
def test_patching_a_cell_outside_scope_is_403_and_writes_nothing(users, role, country):
    cell = cell_at(11, country)
    api = client(getattr(users, role))
    tag = etag(api, f"cells/{cell.pk}/")
    before = footprint()
    response = api.patch(
        url(f"cells/{cell.pk}/"),
        {"level": "partial", "effective_on": "2013-02-01", "rationale": "x"},
        HTTP_IF_MATCH=tag,
    )
    assert_error(response, 403)
    assert footprint() == before


def test_a_cell_cannot_be_replaced_or_deleted(users):
    cell = cell_at(11, "DZ")
    api = client(users.admin)
    assert_error(api.put(url(f"cells/{cell.pk}/"), {}), 405)
    assert_error(api.delete(url(f"cells/{cell.pk}/")), 405)
    assert_error(api.post(url("cells/"), {}), 405)


# --- POST and PATCH /evidence/ ------------------------------------------------------


def evidence_payload(**fields):
    return {
        "source": "002",
        "occurred_on": "2013-03-01",
        "summary_en": "Joint patrol on the border.",
        "locator": "p. 4",
        "direction": "supports",
        "reliability": "B2",
        "cells": [cell_at(9, "DZ", "ML").pk],
        "initiatives": ["cemoc"],
        **fields,
    }


def test_an_editor_files_evidence_against_cells_in_scope_with_audit(users):
    response = client(users.editor).post(url("evidence/"), evidence_payload())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["reliability"], body["initiatives"]) == ("002", "B2", ["cemoc"])
    assert body["marking"]["level"] == "public" and body["version"] == 1
    assert response["ETag"]
    item = Evidence.objects.get(public_id=body["id"])
    record = ChangeRecord.objects.get(content_type__model="evidence", object_id=str(item.pk))
    assert (record.action, record.actor, record.after["summary_en"]) == (
        "create",
        users.editor,
        "Joint patrol on the border.",
    )


@pytest.mark.parametrize(
    ("role", "payload", "code", "field"),
    [
        ("analyst", {}, 403, None),
        ("reader", {}, 403, None),
        ("editor", {"cells": lambda: [cell_at(11, "TN").pk]}, 403, None),  # out of scope
        ("editor", {"source": "001"}, 400, "source"),  # hidden from a restricted editor
        ("editor", {"reliability": "Z9"}, 400, "reliability"),
        ("editor", {"direction": "sideways"}, 400, "direction"),
        ("editor", {"initiatives": ["pap-t"]}, 400, "initiatives"),
        ("editor", {"summary_en": "", "summary_fr": ""}, 400, "summary_en"),
        (
            "editor",
            {"marking": {"level": "confidential", "releasable_to": ["MA"]}},
            403,
            None,
        ),
    ],
)
def test_refused_evidence_writes_nothing(users, role, payload, code, field):
    payload = {k: v() if callable(v) else v for k, v in payload.items()}
    before = footprint()
    response = client(getattr(users, role)).post(url("evidence/"), evidence_payload(**payload))
    if field:
        assert_error(response, code, field)
    else:
        assert_error(response, code)
    assert footprint() == before


def test_evidence_is_re_marked_with_if_match_and_audited(users):
    item = EvidenceFactory(cells=[cell_at(11, "MA")])
    api = client(users.confidential_editor)
    path = f"evidence/{item.public_id}/"
    tag = etag(api, path)
    response = api.patch(
        url(path),
        {"marking": {"level": "restricted"}, "reason": "Source asked us to."},
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["marking"]["level"] == "restricted"
    assert response.json()["version"] == 2 and response["ETag"] != tag
    record = ChangeRecord.objects.filter(object_id=str(item.pk)).latest("revision")
    assert (record.action, record.message) == ("remark", "Source asked us to.")
    assert_error(client(users.reader).get(url(path)), 404)  # now above a public reader


def test_evidence_is_linked_to_more_cells_with_if_match(users):
    item = EvidenceFactory(cells=[cell_at(11, "DZ")])
    api = client(users.editor)
    path = f"evidence/{item.public_id}/"
    response = api.patch(
        url(path), {"cells": [cell_at(11, "MA").pk]}, HTTP_IF_MATCH=etag(api, path)
    )
    assert response.status_code == 200
    assert {c["country"] for c in response.json()["cells"]} == {"DZ", "MA"}
    record = ChangeRecord.objects.filter(object_id=str(item.pk)).latest("revision")
    assert record.action == "update" and len(record.after["cells"]) == 2


def test_evidence_patch_needs_one_change_at_a_time(users):
    item = EvidenceFactory(cells=[cell_at(11, "DZ")])
    api = client(users.editor)
    path = f"evidence/{item.public_id}/"
    before = footprint()
    both = {"cells": [cell_at(11, "MA").pk], "marking": {"level": "restricted"}}
    assert_error(api.patch(url(path), both, HTTP_IF_MATCH=etag(api, path)), 400, "marking")
    assert_error(api.patch(url(path), {}, HTTP_IF_MATCH=etag(api, path)), 400, "non_field_errors")
    assert footprint() == before


def test_evidence_is_retracted_with_if_match(users):
    item = EvidenceFactory(cells=[cell_at(11, "DZ")])
    api = client(users.editor)
    path = f"evidence/{item.public_id}/"
    response = api.post(
        url(f"{path}retract/"), {"reason": "Misquoted."}, HTTP_IF_MATCH=etag(api, path)
    )
    assert response.status_code == 200
    assert (response.json()["retracted"], response.json()["retracted_reason"]) == (
        True,
        "Misquoted.",
    )
    record = ChangeRecord.objects.filter(object_id=str(item.pk)).latest("revision")
    assert record.action == "retract"
