"""Other doors: what a client learns from errors, filters and throttles.

- Under /api/, every error is the API's JSON body in every settings module,
  also with DEBUG on: never Django's debug pages (which list every URL
  pattern, or a traceback).
- A filter value naming nothing (a measure number, a cell id, a country code)
  is a 400 naming the parameter, never an empty 200; an unknown ``format`` is
  a 400 naming ``format``, not a 404.
- Country codes are read in either case everywhere.
- API throttles are counted atomically: concurrent requests of one client
  never get more than the rate, on Redis and on the local-memory cache.
"""

import threading
import uuid

import pytest
import redis
from django.test import Client
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from cbm_tracker.api.throttling import UserRateThrottle
from digests.models import Subscription
from measures import services
from measures.models import Marking, UserProfile
from tests.api_helpers import assert_error, client, results, url
from tests.brokers import broker_url
from tests.factories import make_user

pytestmark = pytest.mark.django_db


# --- JSON errors under /api/ -----------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_json_404_listing_no_urls(users, settings, debug):
    settings.DEBUG = debug
    response = client(users.reader).get("/api/v1/nosuch/")
    body = assert_error(response, 404)
    assert body == {"status": 404, "code": "not_found", "detail": "Not found."}
    assert "admin/" not in response.content.decode()
    assert response["X-Request-ID"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_under_the_api_is_a_json_500_without_a_traceback(users, settings, debug):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = "tests.security.crash_urls"
    browser = Client(raise_request_exception=False)
    response = browser.get("/api/v1/crash/", HTTP_ACCEPT="text/html")
    body = assert_error(response, 500)
    assert body["code"] == "server_error"
    assert "RuntimeError" not in response.content.decode()


def test_pages_keep_djangos_html_404(users, settings):
    settings.DEBUG = True
    browser = Client()
    response = browser.get("/nosuch-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- unknown filter values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cells/?measure=99", "measure"),
        ("cells/?measure=6,99", "measure"),
        ("assessments/?measure=99", "measure"),
        ("evidence/?measure=99", "measure"),
        ("indicators/?measure=99", "measure"),
        ("assessments/?cell=99999999", "cell"),
        ("evidence/?cell=99999999", "cell"),
        ("assessments/?status=99999999", "status"),  # the deprecated name
        ("evidence/?status=99999999", "status"),
        ("cells/?country=ZZ", "country"),
        ("cells/?partner=zz", "partner"),
        ("evidence/?source=nosuch", "source"),
        ("cells/?level=finished", "level"),
        ("countries/?region=nowhere", "region"),
        ("cells/?format=xml", "format"),
        ("countries/?format=xml", "format"),
    ],
)
def test_a_filter_value_naming_nothing_is_a_400_naming_the_parameter(users, query, field):
    body = assert_error(client(users.reader).get(url(query)), 400, field)
    assert list(body["fields"]) == [field]


def test_a_known_measure_and_cell_still_filter(users):
    api = client(users.reader)
    rows = results(api.get(url("cells/?measure=6&country=MA")))
    assert len(rows) == 1
    assert results(api.get(url(f"assessments/?cell={rows[0]['id']}"))) is not None


# --- country codes in either case ---------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "cells/?country={}",
        "cells/?partner={}&measure=2",
        "assessments/?country={}",
        "evidence/?country={}",
        "indicators/?country={}",
        "initiatives/?country={}",
        "countries/{}/",
        "scorecards/countries/{}/",
    ],
)
def test_a_country_code_reads_the_same_in_either_case(users, path):
    api = client(users.analyst)
    upper, lower = api.get(url(path.format("MA"))), api.get(url(path.format("ma")))
    assert upper.status_code == lower.status_code == 200
    assert upper.json() == lower.json()


def test_written_country_codes_are_read_in_either_case(users):
    api = client(users.reader)
    created = api.post(url("subscriptions/"), {"countries": ["ma", "DZ"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["countries"] == ["DZ", "MA"]
    assert Subscription.objects.get(pk=created.json()["id"]).countries.count() == 2
    user = make_user("lower_case", role="reader", clearance="public")
    services.grant(
        services.system_actor(),
        user,
        role="editor",
        clearance="restricted",
        countries=["ma"],
        affiliations=["dz", "nato"],
    )
    profile = UserProfile.objects.get(user=user)
    assert profile.access["scope"] == ["MA"] and profile.access["countries"] == ["DZ"]
    assert Marking.objects.resolve("restricted", ["ma", "nato"]).key == "restricted:MA,nato"


# --- atomic throttles ------------------------------------------------------------------


def hammer(n_threads, per_thread, rate, key):
    """``n_threads`` threads each ask the throttle ``per_thread`` times at once."""
    factory = APIRequestFactory()
    start = threading.Barrier(n_threads)
    allowed = []

    class Throttle(UserRateThrottle):
        THROTTLE_RATES = {"user": rate}

        def get_cache_key(self, request, view):
            return key

    def worker():
        start.wait()
        for _ in range(per_thread):
            allowed.append(Throttle().allow_request(factory.get("/api/v1/countries/"), APIView()))

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return allowed


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": broker_url(10),
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return request.param


def test_concurrent_requests_of_one_client_get_exactly_the_rate(shared_cache):
    key = f"throttle_test_{uuid.uuid4().hex}"
    allowed = hammer(8, 25, "50/hour", key)
    assert len(allowed) == 200
    assert allowed.count(True) == 50, allowed.count(True)


@pytest.mark.redis
def test_a_redis_throttle_counter_expires(settings):
    location = broker_url(10)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    key = f"throttle_test_{uuid.uuid4().hex}"
    assert hammer(1, 3, "5/min", key) == [True, True, True]
    keys = redis.Redis.from_url(location).keys(f"*{key}*")
    assert len(keys) == 1
    ttl = redis.Redis.from_url(location).ttl(keys[0])
    assert 0 < ttl <= 121
