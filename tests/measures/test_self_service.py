"""A newcomer finds their own way: who am I (``/me``, the account page), where
the API starts (its root), how long a token may live (one limit for every
door), and how a user made on the command line gets a password."""

import io
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from cbm_tracker.api.root import api_routes
from measures import services
from tests.api_helpers import API, client

pytestmark = pytest.mark.django_db
User = get_user_model()


# --- /me -------------------------------------------------------------------------


def test_me_tells_an_editor_their_role_clearance_scope_and_affiliations(users):
    response = client(users.confidential_editor).get(f"{API}/me/")

    assert response.status_code == 200
    assert response.json() == {
        "username": "editor_conf",
        "email": "editor_conf@example.org",
        "role": "editor",
        "roles": ["editor"],
        "clearance": "confidential",
        "scope": [{"iso2": "MA", "name_en": "Morocco", "name_fr": "Maroc"}],
        "affiliations": {
            "countries": [{"iso2": "MA", "name_en": "Morocco", "name_fr": "Maroc"}],
            "initiatives": [],
        },
        "may_edit": True,
        "may_reply": False,
    }
    assert response["Cache-Control"] == "private, no-store"


def test_me_names_affiliated_initiatives_by_slug(users):
    me = client(users.admin).get(f"{API}/me/").json()
    assert me["role"] == "admin"
    assert me["affiliations"]["initiatives"] == ["nato"]
    assert me["scope"] == []


def test_me_is_for_someone(settings):
    settings.CBM_PUBLIC_READ = True  # even when anonymous visitors may read
    assert client().get(f"{API}/me/").status_code == 401


# --- the API root ------------------------------------------------------------------


def test_the_api_root_lists_every_resource_and_each_answers(users):
    api = client(users.reader)
    root = api.get(f"{API}/")

    assert root.status_code == 200
    resources = root.json()["resources"]
    for name in ("country-list", "measure-list", "scorecard-matrix", "changes", "me", "week"):
        assert name in resources
    assert "status-list" not in resources  # deprecated: not advertised
    assert set(root.json()["documentation"]) == {"schema", "swagger-ui", "redoc"}
    asks_for_more = {"week-reconfirm": 405, "search": 400}  # POST only; needs ?q=
    for name, url in resources.items():
        assert url.startswith("http://testserver/api/v1/")
        assert api.get(url).status_code == asks_for_more.get(name, 200), name


def test_the_api_root_follows_the_url_configuration():
    """A new route joins the root without anyone listing it by hand."""
    assert api_routes()[0] == "root"
    assert len(api_routes()) == len(set(api_routes()))


# --- one limit for a token's life ----------------------------------------------------


def test_every_door_refuses_a_token_longer_than_the_site_limit(users, settings, client):
    settings.CBM_TOKEN_MAX_DAYS = 30
    client.force_login(users.reader)
    page = client.post(reverse("account-create-token"), {"name": "sync", "days": 31})
    assert "Ensure this value is less than or equal to 30." in page.content.decode()

    with pytest.raises(CommandError, match="--days: A token lives between 1 and 30 days."):
        call_command("create_api_token", "reader_pub", "--days", "31", stderr=StringIO())

    with pytest.raises(Exception, match="between 1 and 30 days"):
        services.issue_token(users.reader, 31, name="too long")
    services.issue_token(users.reader, 30, name="just right")


# --- the account page ----------------------------------------------------------------


def test_the_account_page_shows_role_clearance_scope_and_affiliations(users, client):
    client.force_login(users.confidential_editor)
    html = client.get(reverse("account")).content.decode()
    assert "<dt>Role</dt><dd>editor</dd>" in html
    assert "items marked up to confidential" in html
    assert "<dt>You may record for</dt><dd>Morocco (MA)</dd>" in html
    assert "<dt>Affiliated with</dt><dd>Morocco (MA)</dd>" in html


def test_the_account_page_names_initiatives_beside_countries(users, client):
    client.force_login(users.admin)
    html = client.get(reverse("account"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<dt>Affiliations</dt><dd>Maroc (MA); nato</dd>" in html


# --- a newcomer's password -----------------------------------------------------------


def grant_new(username, *options, stdin=""):
    out = StringIO()
    real = sys.stdin
    sys.stdin = io.StringIO(stdin)  # not a terminal: the password is read from it
    try:
        call_command("grant", username, "--create", "--role", "reader", *options, stdout=out)
    finally:
        sys.stdin = real
    return out.getvalue()


def test_grant_create_can_set_the_password_read_from_stdin():
    out = grant_new("amina", "--password", stdin="correct horse battery\n")
    assert "amina: reader" in out
    assert Client().login(username="amina", password="correct horse battery")


def test_a_weak_password_refuses_the_whole_grant():
    with pytest.raises(CommandError, match=r"^grant: This password is too short\."):
        grant_new("amina", "--password", stdin="abc\n")
    assert not User.objects.filter(username="amina").exists()


def test_grant_create_without_a_password_says_how_to_set_one():
    out = grant_new("amina")
    assert "amina has no password yet: run grant again with --password or --password-link" in out


def test_a_password_link_is_good_once(client):
    out = grant_new("amina", "--password-link")
    link = out.split("Password link (good once): ")[1].strip()
    assert link.startswith("http://testserver/account/password/")
    path = link.removeprefix("http://testserver")

    form_page = client.get(path, follow=True)  # Django moves the token into the session
    assert "Choose your password" in form_page.content.decode()
    chosen = {"new_password1": "a long passphrase 42", "new_password2": "a long passphrase 42"}
    done = client.post(form_page.redirect_chain[-1][0], chosen, follow=True)
    assert "Your password is set: log in with it." in done.content.decode()
    assert Client().login(username="amina", password="a long passphrase 42")

    again = Client().get(path, follow=True).content.decode()
    assert "This link has been used or has expired." in again


def test_demo_users_print_scope_and_affiliations(settings):
    settings.CBM_DEMO_USERS = True
    out = StringIO()
    call_command("demo_users", stdout=out)
    assert "editor, cleared restricted, scope DZ,MA,MR,TN, affiliations 5plus5" in out.getvalue()
    assert "reader, cleared public, scope -, affiliations -" in out.getvalue()
