"""Wrong data is hard to enter: memberships need a start inside their
initiative's dates and may not overlap; an assessment is not dated in the
future. Each refusal names the field and writes nothing, whether it comes
through the services, the admin, the cell page or the API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from countries.models import Initiative, Membership
from measures import services
from measures.audit.revisions import latest_revision
from measures.models import Assessment
from measures.rules import bounds
from tests.api_helpers import (
    assert_error,
    client,
    footprint,
    url,
)
from tests.countries.test_admin import form_data
from tests.factories import cell_at, make_user

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def membership(slug, country, role="observer", **fields):
    return Membership(
        initiative=Initiative.objects.get(slug=slug),
        country_id=country,
        role=role,
        note="Test row.",
        **fields,
    )


def refused(actor, row):
    before = latest_revision()
    with pytest.raises(ValidationError) as caught:
        services.save_reference(actor, row)
    assert not Membership.objects.filter(note="Test row.").exists()
    assert latest_revision() == before
    return caught.value.message_dict


# --- services ----------------------------------------------------------------


def test_a_membership_without_a_start_date_is_refused_naming_start(users):
    errors = refused(users.admin, membership("cemoc", "TN"))
    assert "start date" in errors["start"][0]


def test_a_membership_starting_before_its_initiative_is_refused(users):
    row = membership("cemoc", "TD", start=datetime.date(2009, 1, 1), start_precision="day")
    errors = refused(users.admin, row)
    assert "before" in errors["start"][0]


def test_a_membership_outliving_its_initiative_is_refused_naming_end(users):
    row = membership(
        "afisma",
        "SN",
        role="member",
        start=datetime.date(2013, 1, 1),
        start_precision="day",
        end=datetime.date(2014, 1, 1),
        end_precision="day",
    )
    errors = refused(users.admin, row)
    assert "ends after" in errors["end"][0]


def test_a_membership_starting_after_its_initiative_ended_is_refused(users):
    row = membership("afisma", "SN", role="member", start=datetime.date(2014, 1, 1))
    assert "after" in refused(users.admin, row)["start"][0]


def test_a_coarse_start_that_may_fall_inside_the_initiative_is_accepted(users):
    # AFISMA began on 20 December 2012; "from 2012" may be any day of 2012.
    row = membership(
        "afisma", "SN", role="observer", start=datetime.date(2012, 1, 1), start_precision="year"
    )
    services.save_reference(users.admin, row)
    assert Membership.objects.filter(note="Test row.", country="SN").exists()


def test_a_membership_overlapping_another_of_the_same_country_is_refused(users):
    # Tunisia is recorded as excluded from CEMOC since 21 April 2010, open-ended.
    row = membership("cemoc", "TN", start=datetime.date(2012, 6, 1), start_precision="day")
    errors = refused(users.admin, row)
    assert "already has a membership" in errors["start"][0]
    assert "excluded, 2010-04-21" in errors["start"][0]


def test_a_membership_after_another_has_ended_is_accepted(users):
    first = Membership.objects.get(initiative__slug="cemoc", country="TN")
    first.end, first.end_precision = datetime.date(2011, 12, 31), "day"
    services.save_reference(users.admin, first, expected_version=first.version)
    row = membership("cemoc", "TN", start=datetime.date(2012, 6, 1), start_precision="day")
    services.save_reference(users.admin, row)
    members = Membership.objects.filter(initiative__slug="cemoc").active_on("2012-06-30")
    assert members.filter(country="TN", role="observer").exists()
    assert not members.filter(country="TN", role="excluded").exists()


def test_an_overlap_with_a_row_hidden_from_the_writer_is_not_revealed_to_them(users):
    # Morocco's support to Active Endeavour is known only from the cable.
    low_admin = make_user("admin_pub", role="admin", clearance="public")
    row = membership("active-endeavour", "MA", role="partner", start=datetime.date(2013, 1, 1))
    services.save_reference(low_admin, row)  # nothing in the refusal would be safe to say
    assert Membership.objects.filter(note="Test row.").exists()


def test_an_assessment_dated_in_the_future_is_refused_naming_effective_on(users):
    cell = cell_at(15, "TN")
    before = footprint()
    with pytest.raises(ValidationError) as caught:
        services.record_assessment(
            users.admin,
            cell,
            level="implemented",
            effective_on=datetime.date(2031, 1, 1),
            expected_version=cell.version_for(users.admin),
            rationale_en="Signed.",
        )
    assert "future" in caught.value.message_dict["effective_on"][0]
    assert footprint() == before


def test_an_assessment_dated_today_is_accepted(users):
    cell = cell_at(15, "TN")
    services.record_assessment(
        users.admin,
        cell,
        level="under_discussion",
        effective_on=timezone.localdate(),
        expected_version=cell.version_for(users.admin),
        rationale_en="Discussed today.",
    )
    assert Assessment.objects.filter(cell=cell, rationale_en="Discussed today.").exists()


def test_a_date_at_month_or_year_precision_covers_its_whole_period():
    day = datetime.date(2012, 2, 1)
    assert bounds(day, "day") == (day, day)
    assert bounds(day, "month") == (day, datetime.date(2012, 2, 29))
    assert bounds(day, "year") == (datetime.date(2012, 1, 1), datetime.date(2012, 12, 31))


# --- admin -------------------------------------------------------------------


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_admin_refuses_a_membership_without_a_start_naming_the_field(client, users):

    cemoc = Initiative.objects.get(slug="cemoc")
    client.force_login(users.admin)
    data = form_data(client.get(admin_url(Initiative, "change", cemoc.pk)))
    n = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(n + 1),
            f"memberships-{n}-country": "TN",
            f"memberships-{n}-role": "observer",
            f"memberships-{n}-note": "Test row.",
        }
    )
    before = latest_revision()
    response = client.post(admin_url(Initiative, "change", cemoc.pk), data)
    assert response.status_code == 200
    assert "needs a start date" in response.content.decode()
    assert not Membership.objects.filter(note="Test row.").exists()
    assert latest_revision() == before


def test_the_admin_refuses_an_overlapping_membership(client, users):

    cemoc = Initiative.objects.get(slug="cemoc")
    client.force_login(users.admin)
    data = form_data(client.get(admin_url(Initiative, "change", cemoc.pk)))
    n = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(n + 1),
            f"memberships-{n}-country": "TN",
            f"memberships-{n}-role": "observer",
            f"memberships-{n}-start": "2012-06-01",
            f"memberships-{n}-start_precision": "day",
            f"memberships-{n}-note": "Test row.",
        }
    )
    response = client.post(admin_url(Initiative, "change", cemoc.pk), data)
    assert response.status_code == 200
    assert "already has a membership" in response.content.decode()
    assert not Membership.objects.filter(note="Test row.").exists()


# --- cell page and API -------------------------------------------------------


def test_the_cell_page_refuses_a_future_effective_date_with_a_form_error(client, users):
    cell = cell_at(11, "DZ")
    recorded = Assessment.objects.filter(cell=cell).count()
    client.force_login(users.editor)
    response = client.post(
        reverse("cell", args=[cell.pk]),
        {
            "action": "record",
            "version": cell.version_for(users.editor),
            "level": "agreed",
            "effective_on": TOMORROW.isoformat(),
            "effective_precision": "day",
            "rationale_en": "Will be agreed.",
            "rationale_fr": "",
            "marking": "",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["effective_on"]
    assert "future" in response.content.decode()
    assert Assessment.objects.filter(cell=cell).count() == recorded


def test_the_api_refuses_a_future_effective_date_with_a_400_naming_the_field(users):
    cell = cell_at(11, "DZ")
    version = cell.version_for(users.editor)
    before = footprint()
    response = client(users.editor).post(
        url("assessments/"),
        {
            "cell": cell.pk,
            "expected_version": cell.version_for(users.editor),
            "level": "agreed",
            "effective_on": TOMORROW.isoformat(),
            "rationale_en": "Will be agreed.",
        },
    )
    body = assert_error(response, 400, "effective_on")
    assert "future" in " ".join(body["fields"]["effective_on"])
    assert footprint() == before
    assert cell.version_for(users.editor) == version
