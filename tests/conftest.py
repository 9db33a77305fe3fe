import os
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from rest_framework.views import APIView

from cbm_tracker.api import rendered
from measures.models import Measure
from tests.external import require_service
from tests.factories import make_user
from tests.seed_snapshot import SeedSnapshot
from tests.smtp import SMTPServer

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the seed data of fixtures/ loaded once,
    and keeps a copy of it for after the transactional tests."""
    with django_db_blocker.unblock():
        call_command("seed", verbosity=0)
        return SeedSnapshot()


@pytest.fixture(autouse=True)
def _seed_data(request):
    """Transactional tests flush the database afterwards: put the seed back if gone."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")

    if not Measure.objects.exists():
        request.getfixturevalue("django_db_setup").restore()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts, and leaves the thread, in the default language.
    Django's LocaleMiddleware activates the request's language in the thread
    and leaves it there: after a test client's French request, a later test
    in the same worker would otherwise read its messages in French."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def no_throttles(monkeypatch):
    """API throttles off in every test. Their counters live in the shared cache
    and are keyed by user id, which tests reuse; and a test that makes a few
    hundred requests (test_non_interference.py) must not be cut short by a 429.
    The tests of throttling itself put the throttle classes back
    (test_api_auth.py's ``throttled``) or call them directly
    (test_other_doors.py), or run the server in processes of its own
    (test_sessions_tokens_throttles.py)."""
    monkeypatch.setattr(APIView, "throttle_classes", [])


@pytest.fixture(autouse=True)
def _own_rendered_cache(monkeypatch):
    """Each test renders into a cache namespace of its own. Tests roll their
    writes back, so revision numbers — part of every rendered entry's key —
    recur from test to test with other data, which outside tests cannot
    happen (cbm_tracker/api/rendered.py); and the Redis cache is shared by
    the parallel workers and by the SQLite and PostgreSQL runs."""
    monkeypatch.setattr(rendered, "PREFIX", f"cbm:rendered:test-{uuid.uuid4().hex}:")


def pytest_runtest_setup(item):
    for marker in item.iter_markers():
        if marker.name in ("postgres", "redis", "smtp", "browser", "worker"):
            require_service(marker.name, in_ci=IN_CI)


@pytest.fixture
def smtp(settings):
    """A real SMTP server; Django's mail goes to it for the test."""
    require_service("smtp", in_ci=IN_CI)

    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def users(db):
    """Alice, Bob and friends (Healthchecks' hc/test.py habit): one per role and clearance."""

    class Users:
        reader = make_user("reader_pub", role="reader", clearance="public")
        restricted_reader = make_user("reader_res", role="reader", clearance="restricted")
        analyst = make_user(
            "analyst_conf", role="analyst", clearance="confidential", affiliations=["nato"]
        )
        moroccan_analyst = make_user(
            "analyst_ma", role="analyst", clearance="confidential", affiliations=["MA"]
        )
        french_analyst = make_user(
            "analyst_fr", role="analyst", clearance="confidential", affiliations=["FR"]
        )
        editor = make_user(
            "editor_dz", role="editor", clearance="restricted", countries=["DZ", "MA"]
        )
        confidential_editor = make_user(
            "editor_conf",
            role="editor",
            clearance="confidential",
            countries=["MA"],
            affiliations=["MA"],
        )
        admin = make_user(
            "admin_all", role="admin", clearance="confidential", affiliations=["nato", "MA"]
        )

    return Users


@pytest.fixture
def review_off(settings):
    """For tests whose subject is not review: every recording is published at
    once (``CBM_REVIEW=none``). Tests of review itself run under the default."""
    settings.CBM_REVIEW = "none"
