"""The disclosure ledger hears of the change feed, data packages and webhook
deliveries too: each release of marked rows is one entry on its channel,
naming the rows at the marking the recipient received them under."""

import datetime

import pytest
from django.test import Client

from measures import services
from measures.models import ChangeRecord, DisclosedRow, Disclosure
from tests.api_helpers import client, feed_cursor, token_for, url
from tests.canaries import moroccan_canary
from tests.factories import EvidenceFactory, cell_at, marking
from tests.webhooks.receiver import Receiver
from webhooks import delivery
from webhooks import services as hooks

pytestmark = pytest.mark.django_db

D = datetime.date


def rows_of(entry):
    return {
        (r.model, r.handle): r.marking.key
        for r in DisclosedRow.objects.filter(set=entry.rows_id).select_related("marking")
    }


def test_a_feed_page_releases_its_marked_records_and_a_show_at_the_marking_it_shows(users):
    since = feed_cursor()
    canary = moroccan_canary(users)
    api = client(token=token_for(users.moroccan_analyst))
    api.get(url("changes/"), {"since": since})
    entry = Disclosure.objects.get(channel="api", what__startswith="/api/v1/changes/")
    shown = rows_of(entry)
    about_canary = ChangeRecord.objects.filter(
        content_type__model="evidence", object_id=str(canary.evidence.pk)
    ).get()
    assert shown[("measures.changerecord", str(about_canary.public_id))] == (
        canary.evidence.marking.key
    )

    # Re-marked down into a reader's sight: the reader's "show" is released
    # at the marking it shows, not at the record's own (higher) one.
    reader = client(token=token_for(users.restricted_reader))
    item = EvidenceFactory(cells=[cell_at(11, "MA")], marking=marking("confidential", "nato"))
    since = feed_cursor()
    item.refresh_from_db()
    services.remark_evidence(
        users.admin, item, marking("restricted"), expected_version=item.version
    )
    (record,) = reader.get(url("changes/"), {"since": since}).json()["results"][-1:]
    assert record["action"] == "show"
    entry = Disclosure.objects.filter(recipient=users.restricted_reader).latest("id")
    assert rows_of(entry)[("measures.changerecord", record["id"])] == "restricted"


def test_a_data_package_is_a_release_on_its_own_channel_by_either_door(users):
    moroccan_canary(users)
    api = client(token=token_for(users.moroccan_analyst))
    assert api.get(url("package/")).status_code == 200
    browser = Client()
    browser.force_login(users.moroccan_analyst)
    assert browser.get("/data/package/download/").status_code == 200
    entries = list(Disclosure.objects.filter(recipient=users.moroccan_analyst).order_by("id"))
    assert [(e.channel, e.what.split("?")[0]) for e in entries] == [
        ("package", "/api/v1/package/"),
        ("package", "/data/package/download/"),
    ]
    assert entries[0].rows_id == entries[1].rows_id  # the same zip, the same rows
    assert any(model == "measures.assessment" for model, _ in rows_of(entries[0]))
    # The page describing the package is a page: nothing recorded.
    browser.get("/data/package/")
    assert Disclosure.objects.count() == 2


def test_a_webhook_delivery_of_marked_records_is_recorded_before_it_is_sent(users, review_off):
    with Receiver() as receiver:
        deliver_to(receiver, users)


def deliver_to(receiver, users):
    hook = hooks.create_webhook(users.moroccan_analyst, url=receiver.url)
    public = hooks.create_webhook(users.reader, url=receiver.url)
    canary = moroccan_canary(users)
    delivery.deliver(hook.pk)
    delivery.deliver(public.pk)

    (entry,) = Disclosure.objects.filter(channel="webhook")
    assert (entry.recipient, entry.what) == (users.moroccan_analyst, receiver.url)
    sent = {r["id"] for request in receiver.requests for r in request.json["records"]}
    assert set(h for _, h in rows_of(entry)) <= sent
    assert canary.evidence.marking.key in rows_of(entry).values()
