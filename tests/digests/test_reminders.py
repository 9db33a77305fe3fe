"""The weekly "due this week" reminder: what each editor and admin is told,
in which language, and that each is delivered once (the digest's leases).

Mails go to the aiosmtpd server of tests/smtp.py and are read back with
Python's ``email`` package."""

import datetime
import os
import smtplib
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cbm_tracker.celery import app as celery_app
from cbm_tracker.settings.base import cron_schedule
from digests import reminders
from digests import services as digest_services
from digests.models import ReminderDelivery
from measures.access import viewer_for
from measures.reads.worklist import cells_in_scope
from measures.rules import is_escalated
from tests.digests.reminder_weeks import (
    MONDAY,
    PERIOD,
    due_in,
    editor,
    escalate,
    france,
    html,
    mails_by_recipient,
    plain,
    propose,
    section,
    send,
)
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

PROPOSED_AT = "2025-03-07T09:00:00+00:00"


@pytest.fixture
def week(users):
    """France: one cell overdue, one due this week, one current, one
    overdue beyond twice its cadence, one with a proposal by ``author``."""
    cells = france()
    author = editor("author_fr")
    due_in(users.admin, cells[0], -5)
    due_in(users.admin, cells[1], 3)
    due_in(users.admin, cells[2], 60)
    escalate(users.admin, cells[3])
    with time_machine.travel(PROPOSED_AT, tick=False):
        proposal = propose(author, cells[4])
    return {
        "overdue": cells[0],
        "due": cells[1],
        "current": cells[2],
        "escalated": cells[3],
        "proposed": cells[4],
        "author": author,
        "proposal": proposal,
    }


def url(cell):
    return f"http://testserver/cells/{cell.pk}/"


def test_an_editor_is_told_what_is_overdue_due_and_awaiting_their_review(smtp, week):
    me = editor("me_fr")
    send()
    mail = mails_by_recipient(smtp)[me.email]
    text = plain(mail)
    assert mail["Subject"] == "CBM Tracker — your week 2025-W11: 4 to look at"
    assert "2 overdue · 1 due this week · 1 awaiting your review" in text
    assert "Your week: http://testserver/week/" in text
    overdue = section(text, "Overdue")
    assert url(week["overdue"]) in overdue and "(5 days late)" in overdue
    assert url(week["escalated"]) in overdue  # beyond twice its cadence: still theirs
    assert url(week["due"]) in section(text, "Due this week")
    assert "due 13 March 2025" in section(text, "Due this week")
    review = section(text, "Awaiting your review")
    assert url(week["proposed"]) in review
    assert "proposed: implemented · 7 March 2025" in review
    assert url(week["current"]) not in text
    assert "beyond twice" not in text  # escalation is for admins
    body = html(mail)
    for cell in ("overdue", "due", "escalated", "proposed"):
        assert f'href="{url(week[cell])}"' in body
    assert 'href="http://testserver/week/"' in body
    assert mail["Message-ID"] == f"<reminder.{PERIOD}.{me.pk}@localhost>"
    assert mail["Auto-Submitted"] == "auto-generated"


def test_an_author_is_not_asked_to_review_their_own_proposal(smtp, week):
    send()
    text = plain(mails_by_recipient(smtp)[week["author"].email])
    assert "Awaiting your review" not in text
    assert "2 overdue · 1 due this week · 0 awaiting your review" in text


def test_an_editor_hears_only_of_their_own_scope(smtp, week, users):
    send()
    text = plain(mails_by_recipient(smtp)[users.editor.email])  # Algeria and Morocco
    assert all(url(c) not in text for c in week.values() if hasattr(c, "measure"))


def test_admins_alone_hear_of_cells_overdue_beyond_twice_their_cadence(smtp, week, users):
    scoped_admin = make_user("admin_fr", role="admin", clearance="restricted", countries=["FR"])
    me = editor("me_fr")
    send()
    mails = mails_by_recipient(smtp)
    for admin in (users.admin, scoped_admin):
        expected = [
            c
            for c in cells_in_scope(admin, MONDAY)
            if is_escalated(c.due_on, c.measure.cadence_days, MONDAY)
        ]
        assert week["escalated"].pk in {c.pk for c in expected}
        reminder = reminders.reminder_for(admin, viewer_for(admin), MONDAY)
        assert sorted(c.pk for c in reminder.escalated) == sorted(c.pk for c in expected)
        assert [c.due_on for c in reminder.escalated] == sorted(c.due_on for c in expected)
        text = plain(mails[admin.email])
        assert f"{len(expected)} overdue beyond twice their cadence" in text
        assert section(text, "Overdue beyond twice their cadence")
    # An admin without a scope has no cells of their own to bring up to date.
    assert "== Overdue ==" not in plain(mails[users.admin.email])
    assert url(week["overdue"]) in section(plain(mails[scoped_admin.email]), "Overdue")
    assert reminders.reminder_for(me, viewer_for(me), MONDAY).escalated == []


def test_nothing_to_say_sends_nothing_and_readers_get_no_reminder(smtp, users):
    quiet = editor("quiet_fr")  # France: nothing rated, nothing proposed
    send()
    assert quiet.email not in mails_by_recipient(smtp)
    assert ReminderDelivery.objects.get(user=quiet, period=PERIOD).state == "skipped"
    assert not ReminderDelivery.objects.filter(user=users.reader).exists()
    assert not ReminderDelivery.objects.filter(user__username="system").exists()


def test_the_subscription_language_else_the_site_language(smtp, week):
    francophone, other = editor("franco_fr"), editor("plain_fr")
    digest_services.subscribe(francophone, language="fr")
    send()
    mails = mails_by_recipient(smtp)
    french = mails[francophone.email]
    assert french["Subject"].strip() == "CBM Tracker — votre semaine 2025-W11 : 4 à examiner"
    text = plain(french)
    assert "== En retard ==" in text and "== À échéance cette semaine ==" in text
    assert "13 mars 2025" in text and "Your week" not in text
    assert '<html lang="fr">' in html(french)
    assert django_settings.LANGUAGE_CODE == "en"
    assert mails[other.email]["Subject"].startswith("CBM Tracker — your week")


def test_one_reminder_per_user_per_week(smtp, week):
    send()
    first = len(smtp.sink.messages)
    assert first >= 3
    send()
    assert len(smtp.sink.messages) == first
    rows = ReminderDelivery.objects.filter(period=PERIOD)
    assert rows.count() == len(set(rows.values_list("user", flat=True)))
    assert set(rows.values_list("state", flat=True)) == {"sent"}


def test_sections_are_bounded_with_a_link_to_the_week(smtp, users):
    me = editor("busy", countries=["FR", "ES", "IT", "PT"])
    cells = [
        c
        for country in ("ES", "IT", "PT")
        for c in cells_in_scope(me, MONDAY)
        if c.country_id == country and c.partner_id is None
    ][: reminders.MAX_LINES + 3]
    for cell in cells:
        due_in(users.admin, cell, -2)
    send()
    text = plain(mails_by_recipient(smtp)[me.email])
    assert section(text, "Overdue").count("  * ") == reminders.MAX_LINES
    assert "and 3 more: see your week: http://testserver/week/" in text


# --- delivery: the digest's leases --------------------------------------------


def test_an_expired_lease_is_reclaimed_by_the_next_run(smtp, week):
    me = editor("crashed")
    ids = reminders.plan(PERIOD)
    token, claimed = reminders.LEASES.claim(ids)  # a worker took the rows, then died
    assert claimed == ids
    assert reminders.plan(PERIOD) == []  # still leased: nobody else may send them
    ReminderDelivery.objects.filter(pk__in=ids).update(
        lease_expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    send()
    row = ReminderDelivery.objects.get(user=me)
    assert (row.state, row.attempts) == ("sent", 2)
    assert list(mails_by_recipient(smtp)).count(me.email) == 1


def test_two_claims_never_take_the_same_row(week):
    for i in range(3):
        editor(f"claim{i}")
    ids = reminders.plan(PERIOD)
    _, first = reminders.LEASES.claim(ids)
    _, second = reminders.LEASES.claim(ids)
    assert sorted(first) == sorted(ids) and second == []


def test_an_smtp_failure_releases_the_chunk_and_rows_out_of_attempts_fail(smtp, week, settings):
    editor("retry")
    smtp.sink.fail_next = 1
    ids = reminders.plan(PERIOD)
    with pytest.raises(smtplib.SMTPDataError):
        reminders.send_chunk(ids, PERIOD)
    assert set(ReminderDelivery.objects.values_list("state", flat=True)) == {"pending"}
    settings.CBM_REMINDER_MAX_ATTEMPTS = 1
    assert reminders.plan(PERIOD) == []
    assert set(ReminderDelivery.objects.values_list("state", flat=True)) == {"failed"}
    assert smtp.sink.messages == []


def test_send_reminders_reports_progress_and_a_summary(smtp, week, settings):
    settings.CBM_REMINDER_CHUNK_SIZE = 2
    editor("quiet", countries=["ES"])
    lines = send().splitlines()
    recipients = ReminderDelivery.objects.filter(period=PERIOD).count()
    sent = len(smtp.sink.messages)
    assert lines[0].startswith("chunk 1/")
    assert lines[-1] == (
        f"{PERIOD}: {sent} sent, {recipients - sent} skipped, 0 failed, "
        f"{(recipients + 1) // 2} chunks"
    )


def test_a_bad_period_is_one_clear_error_and_a_non_zero_exit():
    with pytest.raises(CommandError, match="not an ISO week"):
        call_command("send_reminders", period="2025-11")
    done = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--period", "2025-W99"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cbm_tracker.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if "send_reminders" in line]
    assert errors == [
        "CommandError: send_reminders: '2025-W99' is not an ISO week such as 2026-W47"
    ]
    assert done.stdout == ""


def test_beat_sends_the_reminders_weekly_on_a_configurable_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["weekly-reminders"]
    assert entry["task"] == "digests.tasks.send_reminders"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == cron_schedule(django_settings.REMINDER_CRON)
    assert cron_schedule("30 8 * * 2")._orig_hour == "8"
    with pytest.raises(ImproperlyConfigured, match="REMINDER_CRON"):
        cron_schedule("every monday", "REMINDER_CRON")


def test_the_admin_lists_reminder_deliveries_read_only_for_admins(client, week, users):
    send_rows = reminders.plan(PERIOD)
    assert send_rows
    client.force_login(users.admin)
    changelist = "/admin/digests/reminderdelivery/"
    page = client.get(changelist)
    assert page.status_code == 200 and b"author_fr" in page.content
    row = ReminderDelivery.objects.get(user=week["author"])
    assert client.get(f"{changelist}{row.pk}/change/").status_code == 200
    assert client.get(f"{changelist}add/").status_code == 403
    assert client.post(f"{changelist}{row.pk}/change/", {"state": "sent"}).status_code == 403
    row.refresh_from_db()
    assert row.state == "pending"
    client.force_login(users.editor)
    assert client.get(changelist).status_code == 403


def test_a_reminder_takes_the_same_number_of_queries_whatever_it_lists(week, users):
    me = editor("counted")
    rows = [ReminderDelivery.objects.create(user=me, period=PERIOD)]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            [(_row, message)] = reminders.build_messages(
                reminders.load([r.pk for r in rows]), PERIOD
            )
        assert message is not None
        return len(captured)

    few = queries()
    for cell in france()[5:12]:
        due_in(users.admin, cell, -1)
    propose(week["author"], france()[12])
    assert queries() == few
