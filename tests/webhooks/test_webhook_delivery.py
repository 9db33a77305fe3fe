"""Delivery: signed POSTs of the owner's feed to a real receiver, the filter,
the cursor, retries with backoff, disabling with a mail, and the owner's
clearance as it is at delivery time."""

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from countries.models import Country
from measures import services as measure_services
from measures.models import ChangeRecord, Measure
from tests.canaries import plant
from tests.factories import EvidenceFactory, assess, cell_at, make_user, marking
from tests.webhooks.receiver import Receiver
from webhooks import delivery, signing, tasks
from webhooks import services as hooks
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

D = datetime.date


def public_write(users, country="MA", number=11, level="under_discussion"):
    cell = cell_at(number, country)
    evidence = EvidenceFactory(cells=[cell])
    return assess(users.editor, cell, level, D(2024, 3, 1), evidence=[evidence])


def test_a_write_is_pushed_once_signed_and_the_cursor_moves_on(users, receiver, pushed):
    hook = hooks.create_webhook(users.reader, url=receiver.url)
    assessment = pushed(public_write, users)

    [request] = receiver.requests
    assert request.verified(hook.secret)
    assert request.headers["Content-Type"] == "application/json"
    assert abs(int(request.headers["X-CBM-Timestamp"]) - timezone.now().timestamp()) < 60
    # The signature covers the timestamp and every byte of the body.
    assert not signing.verify(
        hook.secret,
        request.headers["X-CBM-Timestamp"],
        request.body + b" ",
        request.headers["X-CBM-Signature"],
    )
    assert not signing.verify(hook.secret, "1", request.body, request.headers["X-CBM-Signature"])
    too_late = int(request.headers["X-CBM-Timestamp"]) + signing.REPLAY_WINDOW + 1
    assert not signing.verify(
        hook.secret,
        request.headers["X-CBM-Timestamp"],
        request.body,
        request.headers["X-CBM-Signature"],
        now=too_late,
    )

    body = request.json
    assert body["webhook"] == str(hook.public_id)
    assert {r["type"] for r in body["records"]} >= {"assessment", "evidence"}
    assert str(assessment.public_id) in {r["object_id"] for r in body["records"]}
    assert body["next"] == body["records"][-1]["id"]
    # Handles only: nothing in the body is an internal id or revision number.
    assert all("revision" not in (r["after"] or {}) for r in body["records"])

    hook.refresh_from_db()
    assert str(cursor_record(hook).public_id) == body["next"]
    [logged] = hook.deliveries.all()
    assert (logged.status_code, logged.attempt, logged.error) == (200, 1, "")
    assert logged.record_ids == [r["id"] for r in body["records"]]

    tasks.deliver_all()  # a wake-up with nothing new sends nothing
    assert len(receiver.requests) == 1
    assert hook.deliveries.count() == 1


def test_a_new_hook_starts_from_now_and_the_filter_keeps_what_it_names(users, receiver, pushed):
    pushed(public_write, users, "DZ")  # before any hook: never sent
    by_country = hooks.create_webhook(
        users.reader, url=receiver.url + "/dz", countries=[country("DZ")]
    )
    by_measure = hooks.create_webhook(
        users.reader, url=receiver.url + "/m11", measures=[measure(11)], kinds=["assessment.create"]
    )
    pushed(public_write, users, "MA", 11)
    pushed(public_write, users, "DZ", 12)

    by_path = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).extend(request.json["records"])
    assert {r["type"] for r in by_path["/hook/m11"]} == {"assessment"}
    assert len(by_path["/hook/m11"]) == 1
    dz_cells = {str(cell_at(12, "DZ").pk)}
    assert by_path["/hook/dz"], "the DZ write reached the DZ hook"
    assert all(
        dz_cells
        & (
            {r.get("object_id")}
            | {str((r["after"] or {}).get("cell"))}
            | set(map(str, (r["after"] or {}).get("cells", [])))
        )
        for r in by_path["/hook/dz"]
    )
    # What the filter dropped still moved the cursor: all caught up.
    latest = ChangeRecord.objects.order_by("-revision", "-id").first()
    for hook in (by_country, by_measure):
        hook.refresh_from_db()
        assert cursor_record(hook) == latest


@pytest.mark.smtp
def test_failures_back_off_then_disable_the_hook_and_mail_its_owner(
    users, settings, smtp, pushed, django_capture_on_commit_callbacks
):
    settings.CBM_WEBHOOK_MAX_FAILURES = 3
    settings.CBM_WEBHOOK_BACKOFF_SECONDS = 30
    settings.CBM_WEBHOOK_READ_TIMEOUT = 0.3
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with Receiver(answers=[302], default=500, location="http://127.0.0.1:9/elsewhere") as down:
            hook = hooks.create_webhook(users.restricted_reader, url=down.url)
            canary = pushed(
                plant,
                users.editor,
                cell_at(11, "MA"),
                "agreed",
                D(2024, 1, 1),
                marking=marking("restricted"),
            )
            [first] = down.requests
            hook.refresh_from_db()
            assert (hook.consecutive_failures, hook.active) == (1, True)
            assert hook.next_attempt_at == start + datetime.timedelta(seconds=30)
            # The redirect was an answer, not followed.
            [logged] = hook.deliveries.all()
            assert (logged.status_code, logged.attempt) == (302, 1)
            assert logged.next_retry_at == hook.next_attempt_at

            tasks.deliver_all()  # during the backoff: not due, nothing sent
            assert len(down.requests) == 1
            clock.shift(31)
            tasks.deliver_all()
            hook.refresh_from_db()
            assert (len(down.requests), hook.consecutive_failures) == (2, 2)
            assert hook.next_attempt_at == timezone.now() + datetime.timedelta(seconds=60)
            assert down.requests[1].body == first.body  # the same records again
            clock.shift(61)
            with django_capture_on_commit_callbacks(execute=True):  # the mail leaves on commit
                tasks.deliver_all()

        hook.refresh_from_db()
        assert not hook.active and hook.disabled_at is not None
        assert "500" in hook.disabled_reason
        assert [d.attempt for d in hook.deliveries.order_by("time", "id")] == [1, 2, 3]
        [mail] = smtp.sink.messages
        assert mail["To"] == users.restricted_reader.email
        text = mail.get_body().get_content()
        assert hook.url in mail["Subject"] and hook.url in text and "500" in text
        assert canary.text not in mail.as_string()
        clock.shift(3600)
        tasks.deliver_all()  # disabled: nothing more is tried
        assert hook.deliveries.count() == 3

        with Receiver() as up, Receiver(delay=1) as slow:
            # Enabled again at a new address, it resumes where the receiver stopped.
            hooks.update_webhook(
                users.restricted_reader,
                hook,
                expected_version=hook.version,
                url=up.url,
                active=True,
            )
            tasks.deliver_all()
            assert canary.text in up.requests[0].body.decode()
            assert json.loads(up.requests[0].body)["records"] == json.loads(first.body)["records"]
            # A receiver slower than the read timeout is a failure too.
            Webhook.objects.filter(pk=hook.pk).update(url=slow.url)
            public_write(users)
            outcome = delivery.deliver(hook.pk)
            assert outcome.retry_in == 30
            assert "timed out" in hook.deliveries.first().error.lower()


def test_the_owner_is_sent_what_they_may_see_when_it_is_sent(users, receiver, review_off):
    lowered = make_user("lowered", role="reader", clearance="restricted")
    leaving = make_user("leaving", role="reader", clearance="public")
    hook = hooks.create_webhook(lowered, url=receiver.url + "/lowered")
    hooks.create_webhook(leaving, url=receiver.url + "/leaving")
    # Written while the owner was cleared; delivered after they were not.
    canary = plant(
        users.editor, cell_at(11, "MA"), "agreed", D(2024, 1, 1), marking=marking("restricted")
    )
    control = public_write(users, "DZ")
    measure_services.grant(
        measure_services.system_actor(), lowered, role="reader", clearance="public"
    )
    leaving.is_active = False
    leaving.save()

    tasks.deliver_all()

    assert {r.path for r in receiver.requests} == {"/hook/lowered"}
    sent = b"".join(r.body for r in receiver.requests).decode()
    assert canary.text not in sent
    assert str(canary.assessment.public_id) not in sent
    assert str(control.public_id) in sent  # the positive control
    hook.refresh_from_db()
    assert str(cursor_record(hook).public_id) == receiver.requests[-1].json["next"]


def country(code):
    return Country.objects.get(pk=code)


def measure(number):
    return Measure.objects.get(number=number)


def cursor_record(hook):
    return ChangeRecord.objects.get(revision=hook.cursor_revision, pk=hook.cursor_record)
