"""Sessions, tokens and brute force.

- A token stops working when it expires, when it is revoked, and when its
  user is deactivated; a deactivated user's browser session stops too.
- Logins (the site's and the admin's) are throttled per username + client
  address by django-axes: the AXES_FAILURE_LIMIT-th failure answers 429 and
  logs a line; a forged X-Forwarded-For does not give a fresh address
  (NUM_PROXIES); another user, or the same user elsewhere, is not locked out.
- API throttles live in the shared cache: with Redis, two application
  processes count one budget.
"""

import datetime
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from knox.models import AuthToken

from tests.api_helpers import assert_error, client, token_for, url
from tests.brokers import broker_url
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# --- tokens and sessions -----------------------------------------------------------


def test_a_token_is_refused_once_it_expires(users):
    token = token_for(users.editor, days=1)
    assert client(token=token).get(url("countries/")).status_code == 200
    with time_machine.travel(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1, minutes=1)
    ):
        assert_error(client(token=token).get(url("countries/")), 401)
    assert not AuthToken.objects.filter(user=users.editor).exists()  # expired: deleted


def test_a_revoked_token_is_refused_and_the_users_other_tokens_still_work(users):
    revoked, kept = token_for(users.editor), token_for(users.editor)
    AuthToken.objects.filter(token_key=revoked[:15]).delete()
    assert_error(client(token=revoked).get(url("cells/")), 401)
    assert client(token=kept).get(url("cells/")).status_code == 200


def test_a_deactivated_users_tokens_and_sessions_are_refused(users):
    token = token_for(users.editor)
    browser = Client()
    browser.force_login(users.editor)
    assert client(token=token).get(url("cells/")).status_code == 200
    assert browser.get(url("cells/")).status_code == 200
    assert browser.get("/account/").status_code == 200
    users.editor.is_active = False
    users.editor.save()
    assert_error(client(token=token).get(url("cells/")), 401)
    assert_error(browser.get(url("cells/")), 401)
    assert browser.get("/account/").status_code == 302  # back to the login page
    # ... and writes too.
    response = client(token=token).post(url("evidence/"), {}, format="json")
    assert_error(response, 401)


# --- login throttling (django-axes) --------------------------------------------------


LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


def attempt(browser, page, username, password, **headers):
    return browser.post(page, {"username": username, "password": password}, **headers)


@pytest.fixture
def victim(db):
    # Staff (analyst), so that the admin's login page lets them in too.
    return make_user("victim", role="analyst", clearance="public")


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_login_is_throttled_per_username_and_address_with_a_429_and_a_log_line(
    victim, page, caplog
):
    limit = django_settings.AXES_FAILURE_LIMIT
    browser = Client(REMOTE_ADDR="203.0.113.7")
    caplog.set_level(logging.INFO)
    for n in range(1, limit):
        assert attempt(browser, page, "victim", f"wrong-{n}").status_code == 200  # the form again
    locked = attempt(browser, page, "victim", "wrong-last")
    assert locked.status_code == 429
    assert any("Locking out" in r.getMessage() for r in caplog.records), caplog.text
    # Locked out: even the right password is refused now.
    assert attempt(browser, page, "victim", "pw").status_code == 429
    # Another user from the same address, and the same user from elsewhere, may log in.
    make_user("bystander", role="analyst", clearance="public")
    assert attempt(browser, page, "bystander", "pw").status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert attempt(elsewhere, page, "victim", "pw").status_code == 302


def test_a_forged_forwarded_for_does_not_reset_the_count_without_a_proxy(victim, settings):
    settings.NUM_PROXIES = 0
    browser = Client(REMOTE_ADDR="203.0.113.8")
    codes = [
        attempt(
            browser, LOGIN_PAGES[0], "victim", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(django_settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert codes[-2:] == [429, 429], codes


def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw(victim, settings):
    """NUM_PROXIES=1: the proxy appends the client's address; whatever the client
    put before it is ignored, so forging it does not give a fresh count."""
    settings.NUM_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    codes = [
        attempt(
            proxy,
            LOGIN_PAGES[0],
            "victim",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        ).status_code
        for n in range(django_settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert codes[-2:] == [429, 429], codes
    # Another client behind the same proxy is not locked out.
    other = attempt(proxy, LOGIN_PAGES[0], "victim", "pw", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 302


# --- API throttles shared across processes (Redis) ---------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/countries/")
    req.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.heavy
@pytest.mark.django_db(transaction=True)
def test_two_app_processes_share_one_throttle_budget_through_redis(users):
    # A Redis database of our own (apart from the worker tests' 14…11), so that
    # flushing it touches nobody else's keys.
    redis_url = broker_url(10)
    params = connection.get_connection_params()
    database = (
        f"postgres://{params['user']}:{params.get('password', '')}@"
        f"{params.get('host') or '127.0.0.1'}:{params.get('port') or 5432}/{params['dbname']}"
    )
    token = token_for(users.reader)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.test",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",
        "CBM_THROTTLE_USER": "10/minute",
    }
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import redis,sys; redis.Redis.from_url(sys.argv[1]).flushdb()",
            redis_url,
        ],
        check=True,
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cbm_tracker.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
        codes = [get(ports[n % 2], token) for n in range(14)]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(20)
    # Ten requests in the minute, whichever process answered them; then 429 from both.
    assert codes[:10] == [200] * 10, codes
    assert codes[10:] == [429] * 4, codes
