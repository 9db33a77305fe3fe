"""The disclosure ledger: every release of restricted or confidential rows
outside an interactive page is recorded — who, when, through which channel,
which rows (by handle) under which markings — append-only, read by admins
only (docs/security.md, "Disclosure ledger")."""

import csv
import datetime
import io
from collections import OrderedDict

import psycopg
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from digests import delivery
from digests import services as digest_services
from measures.audit import disclosures
from measures.models import DisclosedRow, DisclosedSet, Disclosure
from tests.api_helpers import client, token_for, url
from tests.canaries import moroccan_canary, plant, plant_public_news
from tests.external import APP_ROLE, require_roles
from tests.factories import cell_at, make_user, marking
from tests.security.test_audit import connect_as

pytestmark = pytest.mark.django_db

D = datetime.date
LEDGER_TABLES = {  # table: a column to try to rewrite
    "measures_disclosure": "what",
    "measures_disclosedset": "size",
    "measures_disclosedrow": "handle",
}


def released(disclosure):
    """``{(model, handle): marking label}`` of an entry's rows."""
    rows = DisclosedRow.objects.filter(set=disclosure.rows_id).select_related("marking")
    return {(r.model, r.handle): str(r.marking) for r in rows}


def test_a_token_reading_marked_rows_leaves_one_entry_per_response_naming_them(users):
    canary = moroccan_canary(users)
    api = client(token=token_for(users.moroccan_analyst))
    confidential_ma = str(canary.evidence.marking)

    detail = api.get(url(f"evidence/{canary.evidence.public_id}/"))
    assert detail.status_code == 200
    entry = Disclosure.objects.get()
    assert (entry.recipient, entry.recipient_username, entry.channel, entry.level) == (
        users.moroccan_analyst,
        "analyst_ma",
        "api",
        "confidential",
    )
    assert entry.what == f"/api/v1/evidence/{canary.evidence.public_id}/"
    assert entry.request_id == detail["X-Request-ID"]
    assert released(entry) == {
        ("measures.evidence", str(canary.evidence.public_id)): confidential_ma
    }

    # A scorecard releases the assessments whose levels it shows (the canary's
    # raises 6·MA; the seed's confidential cable sets another), no public one.
    card = api.get(url("scorecards/countries/MA/"))
    rows = released(Disclosure.objects.latest("time", "id"))
    assert rows[("measures.assessment", str(canary.assessment.public_id))] == confidential_ma
    assert {model for model, _ in rows} == {"measures.assessment"}
    assert all(label.startswith(("CONFIDENTIAL", "RESTRICTED")) for label in rows.values())
    # The same scorecard again (now from the rendered cache): one more entry,
    # the same set of rows stored once.
    sets = DisclosedSet.objects.count()
    api.get(url("scorecards/countries/MA/"))
    assert Disclosure.objects.count() == 3 and DisclosedSet.objects.count() == sets
    # A 304 releases nothing.
    assert (
        api.get(url("scorecards/countries/MA/"), HTTP_IF_NONE_MATCH=card["ETag"]).status_code == 304
    )
    assert Disclosure.objects.count() == 3
    # The source (by its key) and the assessment, each with its marking.
    api.get(url(f"sources/{canary.source.key}/"))
    api.get(url(f"assessments/{canary.assessment.public_id}/"))
    assert [released(e) for e in Disclosure.objects.order_by("-time", "-id")[:2]] == [
        {("measures.assessment", str(canary.assessment.public_id)): confidential_ma},
        {("measures.source", canary.source.key): str(canary.source.marking)},
    ]


def test_a_repeat_within_the_window_is_one_entry(users, settings, monkeypatch):
    monkeypatch.setattr(disclosures, "RECENT", OrderedDict())
    settings.CBM_DISCLOSURE_REPEAT_SECONDS = 300
    canary = moroccan_canary(users)
    evidence = url(f"evidence/{canary.evidence.public_id}/")
    analyst = client(token=token_for(users.moroccan_analyst))
    for _ in range(3):
        assert analyst.get(evidence).status_code == 200
    assert Disclosure.objects.count() == 1
    # Another request, or another recipient, is another disclosure.
    analyst.get(url(f"evidence/{canary.evidence.public_id}/?format=json"))
    client(token=token_for(users.confidential_editor)).get(evidence)
    assert Disclosure.objects.count() == 3


def test_a_release_the_ledger_cannot_record_is_withheld(users):
    canary = moroccan_canary(users)
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(f"DROP TABLE {Disclosure._meta.db_table}")
    refused = client(token=token_for(users.moroccan_analyst)).get(
        url(f"evidence/{canary.evidence.public_id}/")
    )
    assert refused.status_code == 503 and refused.json()["status"] == 503
    assert canary.text.encode() not in refused.content
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    export = browser.get("/countries/MA/?format=csv&table=measures")
    assert export.status_code == 503 and export["Content-Type"].startswith("text/plain")
    # Nothing marked to record, nothing to fail: public reads still answer.
    assert client(token=token_for(users.reader)).get(url("scorecards/matrix/")).status_code == 200


def test_public_rows_and_interactive_pages_are_not_recorded(users):
    moroccan_canary(users)
    reader = client(token=token_for(users.reader))
    for path in ("evidence/", "assessments/", "scorecards/matrix/", "scorecards/countries/MA/"):
        assert reader.get(url(path)).status_code == 200
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    for path in ("/", "/countries/MA/", "/measures/6/"):
        page = browser.get(path)
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert not Disclosure.objects.exists()


def test_a_csv_export_and_a_browser_api_call_are_releases(users):
    canary = moroccan_canary(users)
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    export = browser.get("/countries/MA/?format=csv&table=measures")
    assert export["Content-Type"].startswith("text/csv")
    entry = Disclosure.objects.get()
    assert (entry.channel, entry.what) == ("export", "/countries/MA/?format=csv&table=measures")
    assert ("measures.assessment", str(canary.assessment.public_id)) in released(entry)
    # The API answers a session like a token: a machine-readable copy either way.
    assert browser.get(url("scorecards/matrix/?format=csv")).status_code == 200
    assert Disclosure.objects.latest("time", "id").channel == "api"


@pytest.mark.smtp
def test_each_digest_carrying_marked_rows_is_an_entry_for_its_subscriber(smtp, users):
    period, in_period = "2025-W11", datetime.datetime(2025, 3, 12, 10, tzinfo=datetime.UTC)
    with time_machine.travel(in_period, tick=False):
        cell = cell_at(11, "MA")
        plant_public_news(users.editor, cell, D(2025, 3, 10))
        canary = plant(
            users.confidential_editor,
            cell,
            "agreed",
            D(2025, 3, 11),
            marking=marking("confidential", "MA"),
        )
    cleared = [
        make_user(f"ma{i}", role="reader", clearance="confidential", affiliations=["MA"])
        for i in range(2)
    ]
    public = make_user("pub", role="reader", clearance="public")
    for user in (*cleared, public):
        digest_services.subscribe(user, language="en")
    delivery.send_chunk(delivery.plan(period), period)
    assert len(smtp.sink.messages) == 3
    entries = Disclosure.objects.filter(channel="digest")
    assert sorted(e.recipient_username for e in entries) == ["ma0", "ma1"]
    for entry in entries:
        assert entry.what.startswith(f"digest {period} to ma")
        assert released(entry) == {
            ("measures.evidence", str(canary.evidence.public_id)): str(canary.evidence.marking),
            ("measures.assessment", str(canary.assessment.public_id)): str(
                canary.assessment.marking
            ),
        }


def test_only_admins_read_and_export_the_ledger_and_nobody_edits_it(users):
    canary = moroccan_canary(users)
    client(token=token_for(users.moroccan_analyst)).get(
        url(f"evidence/{canary.evidence.public_id}/")
    )
    entry = Disclosure.objects.get()
    changelist = "/admin/measures/disclosure/"
    page = f"{changelist}{entry.public_id}/change/"
    for name in ("analyst", "confidential_editor", "reader"):
        browser = Client()
        browser.force_login(getattr(users, name))
        assert browser.get(changelist).status_code in (302, 403), name
        assert browser.get(page).status_code in (302, 403), name
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    for who in (superuser, users.admin):
        browser = Client()
        browser.force_login(who)
        assert browser.get(changelist).status_code == 200
        shown = browser.get(page)
        assert shown.status_code == 200
        assert str(canary.evidence.public_id) in shown.content.decode()
        assert canary.text not in shown.content.decode()  # handles and labels, no content
        assert b'name="_save"' not in shown.content
        assert browser.get(f"{changelist}add/").status_code == 403
        assert browser.post(f"{page.removesuffix('change/')}delete/").status_code == 403
    assert browser.get(f"{changelist}?channel=api&level=confidential").status_code == 200
    export = browser.post(
        changelist, {"action": "export_csv", "_selected_action": [str(entry.public_id)]}
    )
    lines = list(csv.reader(io.StringIO(export.content.decode())))
    assert lines[0][:4] == ["disclosure", "time", "recipient", "channel"]
    assert lines[1][2:4] == ["analyst_ma", "api"]
    assert lines[1][-3:] == [
        "measures.evidence",
        str(canary.evidence.public_id),
        str(canary.evidence.marking),
    ]
    assert Disclosure.objects.count() == 1  # the admin's own reading is not a release


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_application_role_may_add_to_the_ledger_but_never_change_or_delete_it(users):
    require_roles()
    call_command(
        "db_roles", app_role=APP_ROLE, maintenance_role="cbm_maintenance", stdout=io.StringIO()
    )
    canary = moroccan_canary(users)
    client(token=token_for(users.moroccan_analyst)).get(
        url(f"evidence/{canary.evidence.public_id}/")
    )
    assert Disclosure.objects.count() == 1
    with connect_as(APP_ROLE) as app:
        app.execute(
            "INSERT INTO measures_disclosure (public_id, time, recipient_id, recipient_username, "
            "channel, request_id, what, level, rows_id) SELECT gen_random_uuid(), time, "
            "recipient_id, recipient_username, channel, request_id, what, level, rows_id "
            "FROM measures_disclosure"
        )
        for table, column in LEDGER_TABLES.items():
            for statement in (
                f"UPDATE {table} SET {column} = {column}",
                f"DELETE FROM {table}",
                f"TRUNCATE {table} CASCADE",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
    assert Disclosure.objects.count() == 2 and connection.vendor == "postgresql"
