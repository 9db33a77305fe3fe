"""Operations: health check, deploy checks, structured logs, backups, retention."""

import datetime
import hashlib
import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from cbm_tracker.celery import app
from cbm_tracker.logging import JSONFormatter
from cbm_tracker.request_id import request_id_var
from measures.models import ChangeRecord

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_and_names_only_its_checks(client, settings):
    settings.CELERY_BROKER_URL = ""  # the embedded default: no broker to check
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    previous = app.conf.broker_url
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
    assert "127.0.0.1" not in response.content.decode()


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-value-0123456789",
        "DJANGO_ALLOWED_HOSTS": "cbm.example.org",
        "DATABASE_URL": "sqlite:////tmp/cbm-deploy-check.db",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="cbm_tracker.settings.production",
        DJANGO_ALLOWED_HOSTS="cbm.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_log_lines_are_json_with_the_request_id():
    token = request_id_var.set("req-42")
    try:
        record = logging.makeLogRecord(
            {"name": "cbm.digests", "levelname": "INFO", "msg": "digest chunk", "sent": 3}
        )
        line = json.loads(JSONFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-42" and line["sent"] == 3
    assert line["message"] == "digest chunk"


def test_every_response_carries_a_request_id_recorded_in_the_audit_trail(client, users):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]) == 32


def checksums():
    """Row count and a digest of every row, per model (content types by natural key,
    since a fresh database numbers them its own way)."""
    sums = {}
    for model in apps.get_models():
        if model._meta.label in ("auth.Permission", "auth.Group") or model._meta.app_label not in (
            "countries",
            "measures",
            "auth",
        ):
            continue
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "content_type_id"]
        if any(f.attname == "content_type_id" for f in model._meta.concrete_fields):
            names += ["content_type__app_label", "content_type__model"]
        rows = list(model._base_manager.order_by("pk").values_list(*names))
        sums[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return sums


@pytest.mark.django_db(transaction=True)
def test_a_dumpdata_backup_restores_identical_counts_and_checksums(tmp_path, users):
    before = checksums()
    # YAML keeps everything: dumpdata's JSON rounds datetimes to milliseconds,
    # its XML strips trailing spaces.
    backup = tmp_path / "backup.yaml"
    call_command(
        "dumpdata",
        "--format",
        "yaml",
        "--natural-foreign",
        "--exclude",
        "contenttypes",
        "--exclude",
        "auth.permission",
        # The role groups are re-created by migrate (measures/roles.py); users'
        # memberships in them travel by natural key (the group's name).
        "--exclude",
        "auth.group",
        "--exclude",
        "sessions",
        "--exclude",
        "admin",
        output=str(backup),
        verbosity=0,
    )
    call_command("flush", "--noinput", verbosity=0)
    assert ChangeRecord.objects.count() == 0
    call_command("loaddata", str(backup), verbosity=0)
    assert checksums() == before


def test_audit_retention_keeps_at_least_30_days_and_deletes_only_older_rows(users):
    recent = ChangeRecord.objects.count()
    old = ChangeRecord.objects.first()
    ChangeRecord.objects.filter(pk=old.pk).update(
        time=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    )
    with pytest.raises(CommandError):
        call_command("prune_audit", older_than_days=7)
    out = io.StringIO()
    call_command("prune_audit", older_than_days=365, stdout=out)
    assert out.getvalue().startswith("deleted 1 audit records")
    assert ChangeRecord.objects.count() == recent - 1
