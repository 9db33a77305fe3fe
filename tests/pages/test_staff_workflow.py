"""Editors record assessments from the cell page; the version check, reconfirm, refusals."""

import datetime
import uuid

import pytest
import time_machine
from django.urls import reverse

from measures.models import Assessment, Evidence
from tests.factories import EvidenceFactory, assess, cell_at, make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


def form_data(cell, user, **overrides):
    """The cell form as ``user`` was shown it (their version of the cell)."""
    data = {
        "action": "record",
        "version": cell.version_for(user),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "effective_precision": "month",
        "rationale_en": "Agreed at the 5+5 ministerial.",
        "rationale_fr": "",
        "marking": "",
    }
    data.update(overrides)
    return data


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_in_scope_records_an_assessment_and_sees_it_on_the_heat_map(client, users):
    cell = cell_at(11, "DZ")
    evidence = EvidenceFactory(cells=[cell], summary_en="Register agreed")
    client.force_login(users.editor)
    page = client.get(reverse("cell", args=[cell.pk]))
    assert page.context["form"] is not None
    version = cell.version_for(users.editor)
    assert f'name="version" value="{version}"' in page.content.decode()
    assert str(evidence.public_id) in dict(page.context["form"].fields["evidence"].choices)
    response = client.post(
        reverse("cell", args=[cell.pk]),
        form_data(cell, users.editor, evidence=[str(evidence.public_id)]),
    )
    assert response.status_code == 302
    latest = Assessment.objects.filter(cell=cell).latest("revision")
    assert (latest.level, latest.effective_on, latest.effective_precision) == (
        "agreed",
        datetime.date(2013, 5, 1),
        "month",
    )
    assert list(latest.evidence.all()) == [evidence]
    assert latest.recorded_by == users.editor
    assert cell.version_for(users.editor) == version + 1
    follow = client.get(response["Location"])
    assert "Assessment recorded." in follow.content.decode()
    groups = client.get("/?region=maghreb").context["groups"]
    row = next(r for g in groups for r in g["rows"] if r["iso"] == "DZ")
    assert row["cells"][10]["level"] == "agreed"


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_stale_form_is_refused_with_a_clear_message_and_the_fresh_state(client, users):
    cell = cell_at(4, "DZ")  # no seeded assessment
    client.force_login(users.editor)
    stale = form_data(cell, users.editor)
    # Someone else records first.
    assess(users.admin, cell, "implemented", datetime.date(2013, 1, 1), rationale="First.")
    response = client.post(reverse("cell", args=[cell.pk]), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone changed this since you opened it" in body
    assert "Nothing was saved" in body
    assert response.context["fresh"].level == "implemented"
    assert Assessment.objects.filter(cell=cell).count() == 1
    fresh_version = cell.version_for(users.editor)
    assert fresh_version == stale["version"] + 1
    # The form comes back with the user's input and the version they have now seen.
    assert response.context["form"]["version"].value() == str(fresh_version)
    assert response.context["form"]["rationale_en"].value() == stale["rationale_en"]
    again = client.post(reverse("cell", args=[cell.pk]), {**stale, "version": fresh_version})
    assert again.status_code == 302
    assert Assessment.objects.filter(cell=cell).count() == 2


def test_reconfirm_records_still_true_today_and_moves_the_due_date_on(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        before = client.get(reverse("cell", args=[cell.pk]))
        assert before.context["due_state"] == "overdue"
        level = before.context["fresh"].level
        current = before.context["fresh"]
        response = client.post(
            reverse("cell", args=[cell.pk]), {"action": "reconfirm", "version": current.version}
        )
        assert response.status_code == 302
        after = client.get(reverse("cell", args=[cell.pk]))
    assert after.context["due_state"] == "current"
    assert after.context["due_on"] == datetime.date(2026, 11, 20) + datetime.timedelta(
        days=cell.measure.cadence_days
    )
    assert after.context["fresh"].level == level
    latest = Assessment.objects.filter(cell=cell).latest("revision")
    assert latest.effective_on == TODAY
    assert latest.rationale_en.startswith("Reconfirmed: still true as of 2026-11-20")
    previous = Assessment.objects.filter(cell=cell).exclude(pk=latest.pk).latest("effective_on")
    assert latest.marking == previous.marking
    assert set(latest.evidence.all()) == set(previous.evidence.all())


def test_a_stale_reconfirm_is_refused(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    version = cell.version_for(users.editor)
    assess(users.admin, cell, "implemented", datetime.date(2013, 1, 1), rationale="First.")
    response = client.post(
        reverse("cell", args=[cell.pk]), {"action": "reconfirm", "version": version}
    )
    assert response.status_code == 409
    assert "Someone changed this since you opened it" in response.content.decode()
    assert response.context["fresh"].level == "implemented"


def test_out_of_scope_editors_and_readers_get_no_form_and_their_post_is_refused(client, users):
    cell = cell_at(11, "ML")
    before = Assessment.objects.count()
    for user in (users.editor, users.reader, users.analyst):
        client.force_login(user)
        page = client.get(reverse("cell", args=[cell.pk]))
        assert page.context["form"] is None
        assert b'id="assessment-form"' not in page.content
        response = client.post(reverse("cell", args=[cell.pk]), form_data(cell, user))
        assert response.status_code == 403
        assert "outside your country scope" in response.content.decode()
    assert Assessment.objects.count() == before


def test_an_editor_may_record_for_a_pair_when_either_country_is_in_scope(client, users):
    cell = cell_at(2, "DZ", "ML")
    client.force_login(users.editor)
    response = client.post(reverse("cell", args=[cell.pk]), form_data(cell, users.editor))
    assert response.status_code == 302


def test_a_marking_above_the_editors_clearance_is_refused(client, users):
    cell = cell_at(4, "DZ")  # no seeded assessment
    client.force_login(users.editor)  # cleared restricted
    page = client.get(reverse("cell", args=[cell.pk]))
    choices = [value for value, _ in page.context["form"].fields["marking"].choices]
    assert "confidential" not in choices and "restricted" in choices
    response = client.post(
        reverse("cell", args=[cell.pk]), form_data(cell, users.editor, marking="confidential")
    )
    assert response.status_code == 400
    assert not Assessment.objects.filter(cell=cell).exists()


def test_a_missing_rationale_is_asked_for(client, users):
    cell = cell_at(11, "DZ")
    client.force_login(users.editor)
    response = client.post(
        reverse("cell", args=[cell.pk]), form_data(cell, users.editor, rationale_en="")
    )
    assert response.status_code == 400
    assert "a rationale (English or French) is required" in response.content.decode()


def test_hidden_evidence_cannot_be_picked(client, users):
    cell = cell_at(11, "MA")
    secret = Evidence.objects.filter(marking__level="confidential").first()
    client.force_login(users.editor)
    page = client.get(reverse("cell", args=[cell.pk]))
    choices = dict(page.context["form"].fields["evidence"].choices)
    assert str(secret.public_id) not in choices
    assert all(uuid.UUID(value) for value in choices)  # picked by public id
    response = client.post(
        reverse("cell", args=[cell.pk]),
        form_data(cell, users.editor, evidence=[str(secret.public_id)]),
    )
    assert response.status_code == 400
    assert not Assessment.objects.filter(cell=cell, recorded_by=users.editor).exists()


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_an_editor_adds_evidence_to_the_cell_and_rests_an_assessment_on_it_in_one_post(
    client, users
):
    cell = cell_at(11, "DZ")
    client.force_login(users.editor)
    response = client.post(
        reverse("cell", args=[cell.pk]),
        form_data(
            cell,
            users.editor,
            **{
                "new_evidence-source": "003",
                "new_evidence-locator": "p. 4",
                "new_evidence-occurred_on": "2013-02-01",
                "new_evidence-occurred_precision": "month",
                "new_evidence-summary_en": "Algeria discussed a weapons register.",
                "new_evidence-direction": "supports",
                "new_evidence-source_reliability": "B",
                "new_evidence-information_credibility": "2",
                "new_evidence-marking": "",
            },
        ),
    )
    assert response.status_code == 302
    item = Evidence.objects.get(summary_en="Algeria discussed a weapons register.")
    assert list(item.cells.all()) == [cell]
    latest = Assessment.objects.filter(cell=cell).latest("revision")
    assert list(latest.evidence.all()) == [item]
    page = client.get(reverse("cell", args=[cell.pk]))
    assert str(item.public_id) in dict(page.context["form"].fields["evidence"].choices)


def test_a_deactivated_or_other_editor_cannot_record_for_morocco_only_cells(client, users):
    outsider = make_user("editor_tn", role="editor", clearance="public", countries=["TN"])
    cell = cell_at(11, "MA")
    client.force_login(outsider)
    response = client.post(reverse("cell", args=[cell.pk]), form_data(cell, outsider))
    assert response.status_code == 403
