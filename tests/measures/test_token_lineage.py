"""A token made with a token is its child: the list names its parent, and
revoking a token revokes everything made with it (children, their children)
in one audited write, through every door that revokes — the API, the
account page and the admin. Nothing of it reaches another user's tokens."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from knox.models import AuthToken

from measures.choices import Action
from measures.models import ChangeRecord, Token
from tests.api_helpers import assert_error, results, url
from tests.api_helpers import client as api_client

pytestmark = pytest.mark.django_db


def mint(api, name, days=30):
    made = api.post(url("tokens/"), {"name": name, "expires_in_days": days}, format="json")
    assert made.status_code == 201, made.content
    return made.json()


def chain(user):
    """A (signed in) → B (made with A) → C (made with B): their 201 bodies."""
    a = mint(api_client(user), "A")
    b = mint(api_client(token=a["token"]), "B", days=20)
    c = mint(api_client(token=b["token"]), "C", days=10)
    return a, b, c


def works(token):
    return api_client(token=token).get(url("me/")).status_code == 200


def listed(user):
    return {t["name"]: t["minted_by"] for t in results(api_client(user).get(url("tokens/")))}


def revocations(user):
    kind = ContentType.objects.get_for_model(AuthToken)
    return ChangeRecord.objects.filter(content_type=kind, action=Action.DELETE, before__user=user)


def test_revoking_a_token_revokes_what_it_made_in_one_audited_write(users):
    a, b, c = chain(users.reader)
    assert (a["minted_by"], b["minted_by"], c["minted_by"]) == (None, a["id"], b["id"])
    assert listed(users.reader) == {"A": None, "B": a["id"], "C": b["id"]}
    assert (
        api_client(token=c["token"]).get(url(f"tokens/{c['id']}/")).json()["minted_by"] == (b["id"])
    )

    # A revokes itself: the 204 is its last answer, and B and C die with it.
    assert api_client(token=a["token"]).delete(url(f"tokens/{a['id']}/")).status_code == 204
    for token in (a, b, c):
        assert_error(api_client(token=token["token"]).get(url("me/")), 401)
    assert listed(users.reader) == {}
    records = list(revocations(users.reader.username).order_by("id"))
    assert [r.before["name"] for r in records] == ["A", "B", "C"]
    assert len({r.revision for r in records}) == 1  # one write
    assert {r.actor for r in records} == {users.reader}
    assert [r.message for r in records[1:]] == ["Revoked: made with a revoked token"] * 2
    assert records[1].before["minted_by"] == records[0].before["token"]


def test_revoking_a_child_leaves_its_parent_and_another_users_tokens(users):
    a, b, c = chain(users.reader)
    theirs = mint(api_client(users.editor), "theirs")
    mint(api_client(token=theirs["token"]), "their child", days=20)

    # Another user's token reads as unknown and cannot be revoked, whoever asks.
    for method in ("get", "delete"):
        assert_error(
            getattr(api_client(token=a["token"]), method)(url(f"tokens/{theirs['id']}/")), 404
        )
    assert listed(users.editor) == {"theirs": None, "their child": theirs["id"]}
    assert "theirs" not in listed(users.reader)

    assert api_client(token=a["token"]).delete(url(f"tokens/{b['id']}/")).status_code == 204
    assert works(a["token"]) and not works(b["token"]) and not works(c["token"])
    assert listed(users.reader) == {"A": None}
    assert works(theirs["token"]) and listed(users.editor)["their child"] == theirs["id"]


def test_the_account_page_and_the_admin_revoke_the_descendants_too(users, client):
    a, b, c = chain(users.reader)
    client.force_login(users.reader)
    client.post(reverse("account-revoke-token"), {"token_key": b["id"]})
    assert works(a["token"]) and not works(b["token"]) and not works(c["token"])

    # An administrator revokes someone's token in the admin (never knox's
    # own admin, which deleted unaudited): what it made goes too, audited
    # as the administrator.
    b = mint(api_client(token=a["token"]), "B again", days=20)
    c = mint(api_client(token=b["token"]), "C again", days=10)
    client.force_login(users.admin)
    listing = client.get(reverse("admin:measures_token_changelist")).content.decode()
    assert "C again" in listing and b["id"] in listing  # C's parent, by key
    digest = Token.objects.get(token_key=a["id"]).pk
    assert client.get(reverse("admin:measures_token_change", args=[digest])).status_code == 200
    path = reverse("admin:measures_token_delete", args=[digest])
    confirm = client.get(path).content.decode()
    assert f"{c['id']}, made with a revoked token" in confirm
    assert client.post(path, {"post": "yes"}).status_code == 302
    assert not any(works(t["token"]) for t in (a, b, c))
    assert revocations(users.reader.username).filter(actor=users.admin).count() == 3

    # An editor sees no tokens in the admin at all.
    client.force_login(users.editor)
    assert client.get(reverse("admin:measures_token_changelist")).status_code == 403
