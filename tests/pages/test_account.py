"""Log in, log out, the account page: API tokens (shown once, revoked) and the digest."""

import pytest
from knox.models import AuthToken

from digests.models import Subscription
from tests.factories import cell_at

pytestmark = pytest.mark.django_db


def test_log_in_and_out_with_the_sites_own_pages(client, users):
    page = client.get("/accounts/login/?next=/countries/DZ/")
    assert b'<label for="id_username">' in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "reader_pub", "password": "pw", "next": "/countries/DZ/"},
    )
    assert response.status_code == 302 and response["Location"] == "/countries/DZ/"
    assert b"Log out" in client.get("/").content
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, users):
    response = client.post("/accounts/login/", {"username": "reader_pub", "password": "x"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_a_token_is_shown_once_then_listed_and_revoked(client, users):
    client.force_login(users.reader)
    response = client.post("/account/tokens/", {"name": "spreadsheet", "days": "30"})
    token = response.context["new_token"]
    assert token and token in response.content.decode()
    instance = AuthToken.objects.get(user=users.reader)
    assert token.startswith(instance.token_key)
    page = client.get("/account/").content.decode()
    assert token not in page and instance.token_key in page
    # The token works on the API.
    api = client.__class__().get(
        f"/api/v1/scorecards/countries/{cell_at(17, 'DZ').country_id}/",
        headers={"Authorization": f"Token {token}"},
    )
    assert api.status_code == 200
    client.post("/account/tokens/revoke/", {"token_key": instance.token_key})
    assert not AuthToken.objects.filter(user=users.reader).exists()


def test_one_cannot_revoke_someone_elses_token(client, users):
    other, _token = AuthToken.objects.create(users.editor)
    client.force_login(users.reader)
    client.post("/account/tokens/revoke/", {"token_key": other.token_key})
    assert AuthToken.objects.filter(pk=other.pk).exists()


def test_subscribe_change_and_unsubscribe(client, users):
    client.force_login(users.reader)
    response = client.post(
        "/account/subscription/",
        {"countries": ["DZ", "MA"], "measures": ["17"], "language": "fr"},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=users.reader, unsubscribed_at__isnull=True)
    assert sorted(c.iso2 for c in subscription.countries.all()) == ["DZ", "MA"]
    assert subscription.language == "fr"
    page = client.get("/account/")
    assert page.context["subscription_form"]["countries"].value() == ["DZ", "MA"]
    response = client.post(
        "/account/subscription/change/",
        {
            "countries": ["TN"],
            "language": "en",
            "paused": "on",
            "version": subscription.version,
        },
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert [c.iso2 for c in subscription.countries.all()] == ["TN"]
    assert subscription.paused and subscription.language == "en"
    # A stale change is refused, not applied.
    stale = client.post(
        "/account/subscription/change/",
        {"language": "fr", "version": subscription.version - 1},
    )
    assert stale.status_code == 200
    assert "Someone" in stale.content.decode() or stale.context["subscription_form"].errors
    subscription.refresh_from_db()
    assert subscription.language == "en"
    client.post("/account/subscription/unsubscribe/")
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None


def test_hidden_initiatives_cannot_be_followed(client, users):
    client.force_login(users.reader)
    response = client.post("/account/subscription/", {"initiatives": ["pap-t"], "language": "en"})
    assert response.status_code == 200
    assert "initiatives" in response.context["subscription_form"].errors
    assert not Subscription.objects.filter(user=users.reader).exists()
