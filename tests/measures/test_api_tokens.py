"""/api/v1/tokens/: a client makes, lists, reads and revokes its own tokens.

The secret is in the 201 only; a token is named by its key (the start of the
secret knox keeps in clear), never by a digest or a counting id; another
user's token is a 404 like an unknown one; every door (API, page, command)
names tokens and keeps to the one site-wide maximum."""

import datetime
import json
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from measures.models import ChangeRecord
from tests.api_helpers import assert_error, results, token_for, url
from tests.api_helpers import client as api_client

pytestmark = pytest.mark.django_db


def token_records(user):
    kind = ContentType.objects.get_for_model(AuthToken)
    return ChangeRecord.objects.filter(content_type=kind, actor=user).order_by("id")


def days_from_now(value):
    expiry = datetime.datetime.fromisoformat(value)
    return (expiry - timezone.now()) / datetime.timedelta(days=1)


def test_a_token_made_over_the_api_works_is_listed_without_its_secret_and_revokes_itself(users):
    session = api_client(users.reader)
    made = session.post(
        url("tokens/"), {"name": "  nightly sync ", "expires_in_days": 30}, format="json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert set(body) == {"id", "name", "created", "expiry", "minted_by", "token"}
    secret, key = body["token"], body["id"]
    assert body["name"] == "nightly sync"  # trimmed
    assert secret.startswith(key) and len(key) == 15 and len(secret) == 64
    assert 29.9 < days_from_now(body["expiry"]) <= 30
    assert made["Cache-Control"] == "private, no-store"

    own = api_client(token=secret)
    assert own.get(url("me/")).json()["username"] == users.reader.username

    listing = own.get(url("tokens/"))
    assert results(listing) == [
        {k: body[k] for k in ("id", "name", "created", "expiry", "minted_by")}
    ]
    stored = AuthToken.objects.get(user=users.reader)
    for response in [listing, own.get(url(f"tokens/{key}/"))]:
        assert response.status_code == 200
        assert secret.encode() not in response.content
        assert stored.digest[:16].encode() not in response.content
        assert response["Cache-Control"] == "private, no-store"

    # One audited write, with the name and never the secret, key or digest.
    (record,) = token_records(users.reader)
    assert record.after["name"] == "nightly sync" and record.after["user"] == "reader_pub"
    dumped = json.dumps([record.object_id, record.object_repr, record.before, record.after])
    assert secret not in dumped and key not in dumped and stored.digest not in dumped

    # The token this request is made with may revoke itself: it is gone at once.
    assert own.delete(url(f"tokens/{key}/")).status_code == 204
    assert_error(own.get(url("me/")), 401)
    assert_error(session.get(url(f"tokens/{key}/")), 404)
    assert results(session.get(url("tokens/"))) == []
    assert token_records(users.reader).last().before["name"] == "nightly sync"


def test_only_ones_own_live_tokens_are_seen_and_revoked(users):
    mine = api_client(users.reader)
    theirs = AuthToken.objects.create(users.editor, expiry=datetime.timedelta(days=5))[0]
    AuthToken.objects.create(users.reader, expiry=datetime.timedelta(seconds=-1))  # expired
    # Made before tokens had names (knox directly, as the old doors did): unnamed.
    legacy = AuthToken.objects.create(users.reader, expiry=datetime.timedelta(days=5))[0]

    assert [(t["id"], t["name"]) for t in results(mine.get(url("tokens/")))] == [
        (legacy.token_key, "")
    ]
    unknown = "0123456789abcde"
    for method in ("get", "delete"):
        hidden = assert_error(getattr(mine, method)(url(f"tokens/{theirs.token_key}/")), 404)
        assert hidden == assert_error(getattr(mine, method)(url(f"tokens/{unknown}/")), 404)
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    assert not token_records(users.reader).exists()  # a refused revoke writes nothing

    assert_error(api_client().post(url("tokens/"), {"name": "x"}, format="json"), 401)


def test_bad_requests_are_refused_with_field_messages_and_write_nothing(users, settings):
    settings.CBM_TOKEN_MAX_DAYS = 30
    api = api_client(users.reader)
    bad = [
        ({"expires_in_days": 5}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 7}, "name"),
        ({"name": "sync", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "sync", "expires_in_days": -3}, "expires_in_days"),
        ({"name": "sync", "expires_in_days": 31}, "expires_in_days"),
        ({"name": "sync", "expires_in_days": "ten"}, "expires_in_days"),
        ({"name": "sync", "expires_in_days": 2.5}, "expires_in_days"),
        ({"name": "sync", "owner": "editor_dz"}, "owner"),
    ]
    for payload, field in bad:
        assert_error(api.post(url("tokens/"), payload, format="json"), 400, field)
    assert "Name the token after" in str(
        api.post(url("tokens/"), {"name": "  "}, format="json").json()["fields"]["name"]
    )
    assert not AuthToken.objects.filter(user=users.reader).exists()
    assert not token_records(users.reader).exists()

    # The site's maximum is allowed, and is the default when it is under 90 days.
    made = api.post(url("tokens/"), {"name": "longest"}, format="json").json()
    assert 29.9 < days_from_now(made["expiry"]) <= 30


def test_a_token_mints_no_token_that_outlives_it(users):
    session = api_client(users.reader)
    own = api_client(token=token_for(users.reader, days=10))
    refused = assert_error(
        own.post(url("tokens/"), {"name": "copy", "expires_in_days": 30}, format="json"),
        400,
        "expires_in_days",
    )
    assert "at most 9 days" in refused["fields"]["expires_in_days"][0]
    made = own.post(url("tokens/"), {"name": "copy", "expires_in_days": 9}, format="json")
    assert made.status_code == 201
    # Signed in (no token), the site's maximum is the only limit.
    made = session.post(url("tokens/"), {"name": "long", "expires_in_days": 300}, format="json")
    assert made.status_code == 201


def test_the_page_and_the_command_name_tokens_too(users, client):
    call_command(
        "create_api_token", "reader_pub", "--name", "excel", stdout=StringIO(), stderr=StringIO()
    )
    call_command("create_api_token", "reader_pub", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(Exception, match="--name: Name the token"):
        call_command("create_api_token", "reader_pub", "--name", " ", stderr=StringIO())

    AuthToken.objects.create(users.reader, expiry=datetime.timedelta(days=5))  # made unnamed
    client.force_login(users.reader)
    refused = client.post(reverse("account-create-token"), {"name": " ", "days": 30})
    assert refused.context["token_form"].errors["name"]
    client.post(reverse("account-create-token"), {"name": "dashboard", "days": 30})
    page = client.get(reverse("account")).content.decode()
    assert "<td>dashboard</td>" in page and "<td>excel</td>" in page
    assert "<td>(unnamed)</td>" in page

    names = [t["name"] for t in results(api_client(users.reader).get(url("tokens/")))]
    assert sorted(names) == ["", "create_api_token", "dashboard", "excel"]
