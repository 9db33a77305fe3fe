"""`grant` and `demo_users`: clear errors, nothing half-written."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from measures.access import viewer_for
from measures.models import ChangeRecord, UserProfile

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_grant_gives_role_clearance_scope_and_affiliations():
    call_command(
        "grant",
        "nadia",
        "--create",
        "--role",
        "editor",
        "--clearance",
        "restricted",
        "--countries",
        "DZ,MA",
        "--affiliations",
        "5plus5,MA",
        stdout=StringIO(),
    )
    user = User.objects.get(username="nadia")
    viewer = viewer_for(user)
    assert viewer.is_editor and not viewer.is_admin
    assert viewer.scope == {"DZ", "MA"} and viewer.countries == {"MA"}
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["editor"]
    assert ChangeRecord.objects.filter(
        content_type__model="userprofile", object_id=str(user.cbm_profile.pk)
    ).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "Unknown role 'boss'"),
        (["--role", "editor", "--clearance", "secret"], "Unknown clearance 'secret'"),
        (["--role", "editor", "--countries", "DZ,XX"], "Unknown country code(s): XX"),
        (
            ["--role", "reader", "--affiliations", "warsaw-pact"],
            "Unknown affiliation(s): warsaw-pact",
        ),
    ],
)
def test_grant_refuses_unknown_values_and_creates_nobody(args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("grant", "omar", "--create", *args)
    assert message in str(excinfo.value)
    assert not User.objects.filter(username="omar").exists()
    assert not UserProfile.objects.filter(user__username="omar").exists()


def test_grant_to_an_unknown_user_says_how_to_create_one():
    with pytest.raises(CommandError, match="add --create"):
        call_command("grant", "ghost", "--role", "reader")


def test_grant_exits_non_zero_with_one_line_on_stderr(capsys):
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "grant", "nobody", "--role", "reader"]).execute()
    assert excinfo.value.code != 0
    assert capsys.readouterr().err.strip() == (
        "CommandError: grant: no user 'nobody' (add --create to create one)"
    )


def test_demo_users_are_created_once_with_their_passwords_printed(settings):
    out = StringIO()
    call_command("demo_users", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:]] == [
        "reader",
        "analyst",
        "editor",
        "respondent",
        "admin",
    ]
    password = lines[1].split()[1]
    assert User.objects.get(username="reader").check_password(password)
    again = StringIO()
    call_command("demo_users", stdout=again)
    assert "already exist" in again.getvalue()


def test_demo_users_are_refused_where_they_are_disabled(settings):
    settings.CBM_DEMO_USERS = False
    with pytest.raises(CommandError, match="disabled"):
        call_command("demo_users")
