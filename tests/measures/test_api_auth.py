"""Who is calling: hashed expiring tokens, sessions for the browser, 401 vs 403
vs 404, and throttling on the shared cache."""

import datetime
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from cbm_tracker.api.authentication import TokenAuthentication
from cbm_tracker.api.throttling import AnonRateThrottle, UserRateThrottle
from measures import services
from measures.models import Assessment
from tests.api_helpers import (
    assert_error,
    client,
    token_for,
    url,
)
from tests.factories import cell_at, make_user

pytestmark = pytest.mark.django_db


def create_token(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_api_token_prints_the_token_once_and_stores_only_its_hash(users):
    out, err = create_token("editor_dz", "--days", "7")
    token = out.strip()
    assert out == token + "\n" and len(token) >= 40  # stdout: the token, nothing else
    assert "shown only now" in err and "Authorization: Token <token>" in err
    stored = AuthToken.objects.get(user=users.editor)
    assert token not in {stored.digest, stored.token_key} and stored.digest != token
    assert token.startswith(stored.token_key)
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs((stored.expiry - expected).total_seconds()) < 60
    response = client(token=token).get(url("cells/"))
    assert response.status_code == 200
    # A second call makes another token; the first one is not shown again.
    second, _err = create_token("editor_dz")
    assert second.strip() != token and AuthToken.objects.filter(user=users.editor).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "no user"),
        (["editor_dz", "--days", "0"], "--days"),
        (["editor_dz", "--days", "4000"], "--days"),
    ],
)
def test_create_api_token_refuses_bad_arguments(users, args, message):
    with pytest.raises(CommandError, match=message):
        create_token(*args)
    assert not AuthToken.objects.exists()


def test_create_api_token_refuses_a_deactivated_user(users):
    users.reader.is_active = False
    users.reader.save()
    with pytest.raises(CommandError, match="deactivated"):
        create_token("reader_pub")


def test_an_expired_token_is_refused_and_removed(users):
    _instance, token = AuthToken.objects.create(users.reader, expiry=datetime.timedelta(seconds=-1))
    assert_error(client(token=token).get(url("countries/")), 401)
    assert not AuthToken.objects.filter(user=users.reader).exists()


def test_a_deactivated_users_token_is_refused(users):
    token = token_for(users.editor)
    assert client(token=token).get(url("countries/")).status_code == 200
    users.editor.is_active = False
    users.editor.save()
    assert_error(client(token=token).get(url("countries/")), 401)


def test_a_revoked_token_is_refused(users):
    token = token_for(users.editor)
    other = token_for(users.editor)
    AuthToken.objects.filter(token_key=token[:15]).delete()  # revoke that one (admin, shell)
    assert_error(client(token=token).get(url("countries/")), 401)
    assert client(token=other).get(url("countries/")).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token not-a-real-token",
        "Token " + "x" * 200,
        "Token caf\xe9caf\xe9caf\xe9caf\xe9",  # not UTF-8 once on the wire
    ],
)
def test_a_malformed_or_unknown_token_is_401(users, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(url("countries/"))
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_our_token_authentication_refuses_a_token_that_is_not_ascii_with_a_401(users):

    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION="Token caf\xe9caf\xe9")
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate(request)
    token = token_for(users.reader)
    good = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token}")
    assert TokenAuthentication().authenticate(good)[0] == users.reader


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_token_authenticates_writes_and_the_write_is_the_token_users(users):
    cell = cell_at(11, "DZ")
    response = client(token=token_for(users.editor)).post(
        url("assessments/"),
        {
            "cell": cell.pk,
            "expected_version": cell.version_for(users.editor),
            "level": "agreed",
            "effective_on": "2013-01-01",
            "rationale_en": "By token.",
        },
    )
    assert response.status_code == 201
    assert Assessment.objects.get(public_id=response.json()["id"]).recorded_by == users.editor


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_browser_uses_its_session_and_writes_need_the_csrf_token(users):
    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username="editor_dz", password="pw")
    assert browser.get(url("cells/")).status_code == 200
    cell = cell_at(11, "DZ")
    version = cell.version_for(users.editor)
    tag = browser.get(url(f"cells/{cell.pk}/"))["ETag"]
    payload = {"level": "agreed", "effective_on": "2013-01-01", "rationale": "Session."}
    refused = browser.patch(url(f"cells/{cell.pk}/"), payload, HTTP_IF_MATCH=tag)
    body = assert_error(refused, 403)
    assert "CSRF" in body["detail"]
    assert cell.version_for(users.editor) == version
    csrf_value = uuid.uuid4().hex  # the cookie and the header must agree
    browser.cookies["csrftoken"] = csrf_value
    accepted = browser.patch(
        url(f"cells/{cell.pk}/"), payload, HTTP_IF_MATCH=tag, HTTP_X_CSRFTOKEN=csrf_value
    )
    assert accepted.status_code == 200
    assert cell.version_for(users.editor) == version + 1


def test_401_for_nobody_404_for_hidden_objects_403_for_writes_out_of_scope(settings, users):
    settings.CBM_PUBLIC_READ = False
    assert_error(client().get(url("sources/001/")), 401)
    assert_error(client(users.reader).get(url("sources/001/")), 404)  # hidden: not 403
    assert client(users.analyst).get(url("sources/001/")).status_code == 200
    cell = cell_at(11, "TN")
    payload = {"level": "agreed", "effective_on": "2013-01-01", "rationale": "x"}
    api = client(users.editor)
    tag = api.get(url(f"cells/{cell.pk}/"))["ETag"]
    assert_error(api.patch(url(f"cells/{cell.pk}/"), payload, HTTP_IF_MATCH=tag), 403)
    assert_error(client().patch(url(f"cells/{cell.pk}/"), payload), 401)


# --- throttling -----------------------------------------------------------------------


@pytest.fixture
def throttled(monkeypatch):
    """The real throttle classes, at rates small enough to reach."""
    monkeypatch.setattr(APIView, "throttle_classes", [AnonRateThrottle, UserRateThrottle])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "4/min"})


def test_anonymous_callers_are_throttled_by_address_not_by_forwarded_for(settings, db, throttled):
    settings.CBM_PUBLIC_READ = True
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    AnonRateThrottle.forget(f"throttle_anon_{address}")
    api = APIClient(REMOTE_ADDR=address)
    for n in range(3):
        # A client cannot reset its counter by inventing X-Forwarded-For (NUM_PROXIES=0).
        response = api.get(url("countries/"), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert response.status_code == 200
    response = api.get(url("countries/"), HTTP_X_FORWARDED_FOR="192.0.2.99")
    body = assert_error(response, 429)
    assert body["code"] == "throttled" and int(response["Retry-After"]) > 0


def test_signed_in_callers_are_throttled_per_user(users, throttled):
    UserRateThrottle.forget(f"throttle_user_{users.reader.pk}")
    api = client(token=token_for(users.reader))
    for _ in range(4):
        assert api.get(url("countries/")).status_code == 200
    assert_error(api.get(url("countries/")), 429)
    other = client(token=token_for(users.analyst))
    UserRateThrottle.forget(f"throttle_user_{users.analyst.pk}")
    assert other.get(url("countries/")).status_code == 200


def test_making_a_token_removes_the_users_expired_ones_and_keeps_the_live_ones(users):
    AuthToken.objects.create(users.reader, expiry=datetime.timedelta(seconds=-1))
    live = token_for(users.reader)
    create_token("reader_pub")
    assert AuthToken.objects.filter(user=users.reader).count() == 2
    assert client(token=live).get(url("countries/")).status_code == 200


def test_a_regrant_takes_effect_on_the_next_request_of_a_live_token(users):
    """The Viewer comes from the profile read with the token: no stale copy survives."""
    user = make_user("promoted", role="reader", clearance="public")
    api = client(token=token_for(user))
    cable = "sources/001/"
    assert api.get(url(cable)).status_code == 404
    services.grant(
        services.system_actor(), user, role="analyst", clearance="confidential", affiliations=["MA"]
    )
    assert api.get(url(cable)).status_code == 200
    services.grant(services.system_actor(), user, role="reader", clearance="public")
    assert api.get(url(cable)).status_code == 404
