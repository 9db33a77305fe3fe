"""The weekly digest: what it says, to whom, and that it is delivered once."""

import datetime
import io
import smtplib

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digests import delivery, signed_links
from digests import services as digest_services
from digests.models import DigestDelivery, Subscription
from tests.canaries import plant, plant_public_news
from tests.factories import cell_at, make_user, marking
from tests.smtp import text

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

D = datetime.date
PERIOD = "2025-W11"  # Monday 10 March – Sunday 16 March 2025
IN_PERIOD = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC)
CANARY = "CANARY-7f3a confidential liaison meeting"


def subscriber(username, language="en", clearance="public", affiliations=(), **follows):
    user = make_user(username, role="reader", clearance=clearance, affiliations=affiliations)
    return digest_services.subscribe(user, language=language, **follows)


@pytest.fixture
def week(users):
    """A week with one public and one confidential event on Morocco's measure 11."""
    with time_machine.travel(IN_PERIOD, tick=False):
        cell = cell_at(11, "MA")
        plant_public_news(users.editor, cell, D(2025, 3, 10))
        plant(
            users.confidential_editor,
            cell,
            "agreed",
            D(2025, 3, 11),
            marking=marking("confidential", "MA"),
            text=CANARY,
        )
    return cell


def run(period=PERIOD):
    call_command("send_digests", period=period, stdout=io.StringIO())


def test_each_subscriber_gets_one_digest_and_a_second_run_sends_nothing(smtp, week):
    subscribers = [subscriber(f"sub{i}") for i in range(3)]
    run()
    assert sorted(smtp.sink.recipients()) == sorted(s.recipient for s in subscribers)
    run()
    assert len(smtp.sink.messages) == 3
    assert set(DigestDelivery.objects.filter(period=PERIOD).values_list("state", flat=True)) == {
        "sent"
    }


def test_a_public_subscriber_never_receives_what_they_are_not_cleared_for(smtp, week, users):
    public = subscriber("pub")
    cleared = subscriber("ma", clearance="confidential", affiliations=["MA"])
    run()
    by_recipient = {m["To"]: m for m in smtp.sink.messages}
    public_mail = text(by_recipient[public.recipient])
    assert CANARY not in public_mail
    assert "Weapons register discussed" in public_mail
    assert "not rated → under discussion" in public_mail and "agreed" not in public_mail
    assert CANARY in text(by_recipient[cleared.recipient])
    assert "under discussion → agreed" not in text(by_recipient[cleared.recipient])
    assert "not rated → agreed" in text(by_recipient[cleared.recipient])


def test_french_subscribers_get_french_text(smtp, week):
    subscriber("francophone", language="fr")
    run()
    mail = smtp.sink.messages[0]
    assert "Ce qui a été enregistré" in mail.get_body(("plain",)).get_content()
    assert "Registre des armes discuté" in text(mail)
    assert mail["Subject"].startswith("CBM Tracker — ce qui a changé")


def test_an_empty_week_sends_nothing(smtp, week):
    subscriber("quiet")
    run("2020-W10")
    assert smtp.sink.messages == []
    assert DigestDelivery.objects.get(period="2020-W10").state == "skipped"


def test_a_subscriber_following_other_countries_hears_nothing_of_morocco(smtp, week):
    dz = digest_services.subscribe(
        make_user("dz", role="reader", clearance="public"), countries=[cell_at(11, "DZ").country]
    )
    everything = subscriber("all")
    run()
    assert smtp.sink.recipients() == [everything.recipient]
    assert DigestDelivery.objects.get(subscription=dz).state == "skipped"


def test_deactivated_users_and_paused_subscriptions_get_nothing(smtp, week):
    gone, paused = subscriber("gone"), subscriber("paused")
    gone.user.is_active = False
    gone.user.save()
    digest_services.update_subscription(
        paused.user, paused, expected_version=paused.version, paused=True
    )
    run()
    assert smtp.sink.messages == []


def test_the_mail_carries_one_click_unsubscribe_and_a_stable_message_id(smtp, week):
    sub = subscriber("headers")
    run()
    mail = smtp.sink.messages[0]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip().strip("<>")
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert url == "http://testserver" + reverse("subscription-unsubscribe", args=[token])
    assert signed_links.subscription_for(token, signed_links.UNSUBSCRIBE) == sub
    assert mail["Message-ID"] == f"<digest.{PERIOD}.{sub.pk}@localhost>"
    assert mail.get_body(("html",)) is not None


def test_unsubscribing_needs_no_login_and_a_get_changes_nothing(client, week):
    sub = subscriber("leaving")
    path = reverse(
        "subscription-unsubscribe", args=[signed_links.make(sub, signed_links.UNSUBSCRIBE)]
    )
    page = client.get(path)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    sub.refresh_from_db()
    assert sub.unsubscribed_at is None  # mail scanners follow links
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    sub.refresh_from_db()
    assert sub.unsubscribed_at is not None


def test_a_forged_unsubscribe_token_is_refused(client, week):
    sub = subscriber("target")
    forged = signed_links.make(sub, signed_links.UNSUBSCRIBE)[:-3] + "abc"
    path = reverse("subscription-unsubscribe", args=[forged])
    assert client.post(path).status_code == 400
    sub.refresh_from_db()
    assert sub.unsubscribed_at is None


def test_an_address_subscription_is_sent_only_once_its_link_is_confirmed(
    settings, smtp, client, week, django_capture_on_commit_callbacks
):
    settings.CBM_PUBLIC_READ = True
    with django_capture_on_commit_callbacks(execute=True):
        digest_services.subscribe_address("someone@example.net")
    (confirmation,) = smtp.sink.messages
    link = next(w for w in text(confirmation).split() if "/subscriptions/confirm/" in w)
    run()
    assert smtp.sink.recipients() == ["someone@example.net"]  # the confirmation only
    path = link.removeprefix(settings.CBM_SITE_URL)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    run()
    digest = smtp.sink.messages[-1]
    assert digest["To"] == "someone@example.net"
    assert CANARY not in text(digest) and "Weapons register discussed" in text(digest)


def test_an_address_subscription_needs_public_reading(settings):
    settings.CBM_PUBLIC_READ = False
    with pytest.raises(Exception, match="public reading"):
        digest_services.subscribe_address("someone@example.net")


def test_an_expired_lease_is_reclaimed_by_the_next_run(smtp, week, settings):
    sub = subscriber("crashed")
    ids = delivery.plan(PERIOD)
    token, claimed = delivery.claim(ids)  # a worker took the row, then died
    assert claimed == ids
    assert delivery.plan(PERIOD) == []  # still leased: nobody else may send it
    DigestDelivery.objects.filter(pk__in=ids).update(
        lease_expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    run()
    row = DigestDelivery.objects.get(subscription=sub)
    assert (row.state, row.attempts) == ("sent", 2)
    assert smtp.sink.recipients() == [sub.recipient]


def test_two_claims_never_take_the_same_row(week):
    for i in range(4):
        subscriber(f"claim{i}")
    ids = delivery.plan(PERIOD)
    _, first = delivery.claim(ids)
    _, second = delivery.claim(ids)
    assert sorted(first) == sorted(ids) and second == []


def test_an_smtp_failure_releases_the_chunk_for_a_retry(smtp, week):
    subscribers = [subscriber(f"retry{i}") for i in range(3)]
    smtp.sink.fail_next = 1
    ids = delivery.plan(PERIOD)
    with pytest.raises(smtplib.SMTPDataError):
        delivery.send_chunk(ids, PERIOD)
    assert set(DigestDelivery.objects.values_list("state", flat=True)) == {"pending"}
    delivery.send_chunk(delivery.plan(PERIOD), PERIOD)
    assert sorted(smtp.sink.recipients()) == sorted(s.recipient for s in subscribers)
    assert set(DigestDelivery.objects.values_list("attempts", flat=True)) == {2}


def test_building_a_chunk_takes_the_same_number_of_queries_whatever_its_size(week):
    subs = [subscriber(f"q{i}", language="fr" if i % 2 else "en") for i in range(12)]
    subs[3].countries.set([cell_at(11, "MA").country])
    counts = []
    for size in (3, 12):
        ids = list(
            DigestDelivery.objects.bulk_create(
                [DigestDelivery(subscription=s, period=f"2025-W1{size % 10}") for s in subs[:size]]
            )
        )
        with CaptureQueriesContext(connection) as queries:
            delivery.build_messages(delivery._load([d.pk for d in ids]), PERIOD)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_dry_run_sends_and_writes_nothing(smtp, week, capsys):
    subscriber("preview")
    call_command("send_digests", period=PERIOD, dry_run=True)
    assert "1 would be sent" in capsys.readouterr().out
    assert smtp.sink.messages == [] and not DigestDelivery.objects.exists()


def test_send_digests_reports_progress_and_a_summary(smtp, week, capsys, settings):
    settings.CBM_DIGEST_CHUNK_SIZE = 2
    for i in range(5):
        subscriber(f"p{i}")
    call_command("send_digests", period=PERIOD)
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "chunk 1/3: 2 sent, 0 with nothing to say",
        "chunk 2/3: 2 sent, 0 with nothing to say",
        "chunk 3/3: 1 sent, 0 with nothing to say",
    ]
    assert out[-1] == f"{PERIOD}: 5 sent, 0 skipped, 0 failed, 3 chunks"


def test_a_bad_period_is_one_clear_error():

    with pytest.raises(CommandError, match="not an ISO week"):
        call_command("send_digests", period="2025-11")


def test_one_active_subscription_per_user(users):
    digest_services.subscribe(users.reader)
    with pytest.raises(Exception, match="already have a subscription"):
        digest_services.subscribe(users.reader)
    assert Subscription.objects.filter(user=users.reader).count() == 1


def test_one_smtp_connection_per_chunk_and_none_for_a_chunk_with_nothing_to_send(
    smtp, week, settings
):
    settings.CBM_DIGEST_CHUNK_SIZE = 2
    for n in range(5):
        subscriber(f"chunked{n}")
    run()
    assert len(smtp.sink.messages) == 5
    assert smtp.sink.connections == 3  # ⌈5 / 2⌉
    run("2020-W10")  # a week with no news: every digest is skipped
    assert smtp.sink.connections == 3


def test_one_audience_is_rendered_once_and_each_mail_carries_its_own_link(smtp, week):
    """Three English readers following everything see the same digest; a French one
    and a confidential analyst each get their own."""

    same = [subscriber(f"same{n}") for n in range(3)]
    french = subscriber("francais", language="fr")
    cleared = subscriber("cleared", clearance="confidential", affiliations=["MA"])
    rendered = []

    def count(sender, template, **kwargs):
        if template.name == "emails/digest-body.html":
            rendered.append(template.name)

    template_rendered.connect(count)
    try:
        run()
    finally:
        template_rendered.disconnect(count)
    assert len(rendered) == 3  # the three English readers, the French reader, the analyst
    mails = {m["To"]: m for m in smtp.sink.messages}
    bodies = {sub.recipient: text(mails[sub.recipient]) for sub in [*same, french, cleared]}
    links = {
        sub.recipient: mails[sub.recipient]["List-Unsubscribe"].strip().strip("<>") for sub in same
    }
    assert len(set(links.values())) == 3
    first = bodies[same[0].recipient].replace(links[same[0].recipient], "LINK")
    for sub in same:
        link = links[sub.recipient]
        assert link in mails[sub.recipient].get_body(("plain",)).get_content()
        assert link in mails[sub.recipient].get_body(("html",)).get_content()
        assert bodies[sub.recipient].replace(link, "LINK") == first
        assert "cbm-unsubscribe-" not in bodies[sub.recipient]
    assert CANARY in bodies[cleared.recipient]
    assert CANARY not in bodies[same[0].recipient] and CANARY not in bodies[french.recipient]
    assert "Registre des armes" in bodies[french.recipient]
