"""Staff work within need-to-know too.

- The admin's Markings list shows only markings the user may see (the one
  rule, ``visible_markings``), with no change pages: marking ids, which count
  markings in creation order, appear in no URL.
- Nobody changes their own role, clearance, affiliations or scope — through
  the admin, a command or the service; another administrator must, audited.
- Issuing and revoking an API token is an audited write like any other, and
  the audit record holds no secret.
"""

import io
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from measures import services
from measures.access import SYSTEM_USERNAME, visible_markings
from measures.choices import Action
from measures.models import ChangeRecord, Marking, UserProfile
from tests.factories import make_user, marking

pytestmark = pytest.mark.django_db


def admin_page(user, path, **kwargs):
    browser = Client()
    browser.force_login(user)
    return browser.get(path, **kwargs)


# --- markings ---------------------------------------------------------------------


def test_the_admin_markings_list_shows_a_restricted_editor_only_markings_they_may_see(users):
    marking("confidential", "nato")
    marking("restricted", "MA")
    marking("restricted")
    page = admin_page(users.editor, "/admin/measures/marking/")
    assert page.status_code == 200
    shown = {m.key for m in page.context["cl"].result_list}
    assert shown == set(visible_markings(users.editor).values_list("key", flat=True))
    assert shown == {"public", "restricted"}
    assert "releasable to nato" not in page.content.decode()


def test_the_markings_list_links_to_no_marking_id(users):
    page = admin_page(users.admin, "/admin/measures/marking/")
    text = page.content.decode()
    for pk in Marking.objects.values_list("pk", flat=True):
        assert f"/admin/measures/marking/{pk}/" not in text
    assert "_selected_action" not in text
    assert (
        admin_page(
            users.admin, f"/admin/measures/marking/{Marking.objects.first().pk}/change/"
        ).status_code
        == 404
    )


# --- nobody grants themselves -----------------------------------------------------


def test_an_admin_may_not_change_their_own_access_through_the_service(users):
    admin = users.admin
    before = json.dumps(UserProfile.objects.get(user=admin).access, sort_keys=True)
    records = ChangeRecord.objects.count()
    with pytest.raises(PermissionDenied, match="another administrator must"):
        services.grant(
            admin, admin, role="admin", clearance="confidential", affiliations=["nato", "MA", "DZ"]
        )
    assert json.dumps(UserProfile.objects.get(user=admin).access, sort_keys=True) == before
    assert ChangeRecord.objects.count() == records


def test_an_admin_posting_their_own_profile_in_the_admin_saves_nothing(users):
    admin = users.admin
    profile = UserProfile.objects.get(user=admin)
    browser = Client()
    browser.force_login(admin)
    page = browser.get(f"/admin/measures/userprofile/{profile.pk}/change/")
    assert page.status_code == 200
    assert 'name="affiliated_countries"' not in page.content.decode()  # read-only
    response = browser.post(
        f"/admin/measures/userprofile/{profile.pk}/change/",
        {
            "role": "admin",
            "clearance": "confidential",
            "affiliated_countries": ["DZ", "MA"],
        },
    )
    assert response.status_code == 403
    profile.refresh_from_db()
    assert list(profile.affiliated_countries.values_list("pk", flat=True)) == ["MA"]


def test_another_admin_changes_an_admins_access_and_it_is_audited(users):
    other = make_user("admin_two", role="admin", clearance="confidential")
    profile = services.grant(
        other, users.admin, role="admin", clearance="confidential", affiliations=["nato"]
    )
    assert profile.access["initiative_slugs"] == ["nato"]
    record = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(UserProfile), object_id=str(profile.pk)
    ).latest("revision")
    assert record.actor == other and record.action == Action.UPDATE


# --- tokens -----------------------------------------------------------------------


def token_records(user):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(AuthToken), after__user=user.username
    ) | ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(AuthToken), before__user=user.username
    )


def no_secret(record, token, row):
    dumped = json.dumps([record.object_id, record.object_repr, record.before, record.after])
    assert token not in dumped
    assert row.token_key not in dumped
    assert row.digest not in dumped


def test_issuing_a_token_is_one_audited_write_without_the_secret(users):
    row, token = services.issue_token(users.reader, 30, name="sync")
    (record,) = token_records(users.reader)
    assert record.action == Action.CREATE and record.actor == users.reader
    assert record.after["user"] == users.reader.username and record.after["expiry"]
    no_secret(record, token, row)


def test_revoking_a_token_is_audited_and_a_missing_key_writes_nothing(users):
    row, token = services.issue_token(users.reader, 30, name="sync")
    count = ChangeRecord.objects.count()
    assert services.revoke_token(users.reader, "nosuchkey") is False
    assert ChangeRecord.objects.count() == count
    assert services.revoke_token(users.reader, row.token_key) is True
    record = token_records(users.reader).get(action=Action.DELETE)
    assert record.actor == users.reader and record.after is None
    assert (
        record.before["token"]
        == token_records(users.reader).get(action=Action.CREATE).after["token"]
    )
    no_secret(record, token, row)
    assert not AuthToken.objects.filter(user=users.reader).exists()


def test_the_token_command_writes_as_the_system_account(users):
    out = io.StringIO()
    call_command(
        "create_api_token", users.reader.username, "--days", "5", stdout=out, stderr=io.StringIO()
    )
    (record,) = token_records(users.reader)
    assert record.actor.username == SYSTEM_USERNAME
    assert out.getvalue().strip() not in json.dumps(record.after)
