"""The account page is a GET; each of its forms posts to a view of its own."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACTIONS = [
    "account-create-token",
    "account-revoke-token",
    "account-subscribe",
    "account-update-subscription",
    "account-unsubscribe",
]


def test_each_form_of_the_page_posts_to_its_own_view(client, users):
    client.force_login(users.reader)
    page = client.get(reverse("account")).content.decode()
    for name in ["account-create-token", "account-subscribe"]:
        assert f'action="{reverse(name)}"' in page, name
    assert client.post(reverse("account")).status_code == 405


@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_is_a_post_by_someone_logged_in(client, users, name):
    response = client.post(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(users.reader)
    assert client.get(reverse(name)).status_code == 405
