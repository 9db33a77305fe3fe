"""/api/v1/webhooks/: the caller's own hooks, the secret shown once, 400s
with field messages, If-Match on writes, the delivery log."""

import datetime

import pytest
from django.urls import reverse

from countries.models import Initiative
from measures import services
from measures.models import ChangeRecord
from tests.api_helpers import assert_error, client, url
from tests.factories import marking
from webhooks import delivery
from webhooks import services as hooks
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def hidden_initiative(admin):
    return services.save_reference(
        admin,
        Initiative(
            slug="hidden-club",
            name_en="A hidden initiative",
            name_fr="Une initiative cachée",
            kind=Initiative._meta.get_field("kind").choices[0][0],
            started_on=datetime.date(2012, 1, 1),
            start_precision="year",
            marking=marking("confidential"),
        ),
    )


def test_an_owner_registers_reads_changes_and_deletes_a_hook(users, receiver):
    api = client(users.reader)
    created = api.post(
        url("webhooks/"),
        {"url": receiver.url, "countries": ["ma", "DZ"], "measures": [11], "kinds": ["assessment"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    hook = Webhook.objects.get(public_id=body["id"])
    assert body["secret"] == hook.secret and len(body["secret"]) >= 40
    assert (body["countries"], body["measures"], body["kinds"]) == (
        ["DZ", "MA"],
        [11],
        ["assessment"],
    )
    assert body["active"] is True

    # The secret is shown once: never in a read, nor in the audit trail.
    read = api.get(url(f"webhooks/{hook.public_id}/"))
    assert read.status_code == 200 and "secret" not in read.json()
    assert hook.secret not in str(api.get(url("webhooks/")).content)
    [audited] = ChangeRecord.objects.filter(content_type__model="webhook")
    assert audited.after["url"] == receiver.url and hook.secret not in str(audited.after)
    # Its record is the admins' (account data), as in the change feed.
    assert not ChangeRecord.objects.visible_to(users.reader).filter(pk=audited.pk).exists()
    assert ChangeRecord.objects.visible_to(users.admin).filter(pk=audited.pk).exists()

    path = url(f"webhooks/{hook.public_id}/")
    assert_error(api.patch(path, {"active": False}, format="json"), 428)
    changed = api.patch(
        path, {"active": False, "measures": []}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["active"] is False and changed.json()["measures"] == []
    assert "reader_pub" in changed.json()["disabled_reason"]
    assert_error(api.patch(path, {"active": True}, format="json", HTTP_IF_MATCH=read["ETag"]), 412)

    log = api.get(url(f"webhooks/{hook.public_id}/deliveries/"))
    assert log.status_code == 200 and log.json()["results"] == []
    ping = api.post(url(f"webhooks/{hook.public_id}/ping/"))
    assert ping.status_code == 200 and ping.json()["status_code"] == 200
    [pinged] = receiver.requests
    assert pinged.verified(hook.secret) and pinged.json["records"] == []
    [logged] = api.get(url(f"webhooks/{hook.public_id}/deliveries/")).json()["results"]
    assert logged["id"] == ping.json()["id"] and logged["records"] == []

    assert api.delete(path, HTTP_IF_MATCH=changed["ETag"]).status_code == 204
    assert not Webhook.objects.filter(pk=hook.pk).exists()


def test_another_users_hook_does_not_exist_for_the_caller(users, receiver):
    hook = client(users.editor).post(url("webhooks/"), {"url": receiver.url}, format="json").json()
    api = client(users.reader)
    for response in (
        api.get(url(f"webhooks/{hook['id']}/")),
        api.get(url(f"webhooks/{hook['id']}/deliveries/")),
        api.post(url(f"webhooks/{hook['id']}/ping/")),
        api.patch(
            url(f"webhooks/{hook['id']}/"), {"active": False}, format="json", HTTP_IF_MATCH="*"
        ),
        api.delete(url(f"webhooks/{hook['id']}/"), HTTP_IF_MATCH="*"),
    ):
        assert_error(response, 404)
    assert api.get(url("webhooks/")).json()["results"] == []
    assert_error(client().get(url("webhooks/")), 401)


def test_bad_registrations_are_400s_with_field_messages(users, receiver, settings):
    hidden_initiative(users.admin)
    api = client(users.reader)

    def refused(payload, *fields):
        return assert_error(api.post(url("webhooks/"), payload, format="json"), 400, *fields)

    refused(
        {"url": "not a url", "countries": ["XX"], "measures": [99], "kinds": ["weather"]},
        "url",
        "countries",
        "measures",
        "kinds.0",
    )
    refused({"url": receiver.url, "measures": ["11"]}, "measures")
    # A hidden initiative is refused exactly as one that does not exist.
    hidden = refused({"url": receiver.url, "initiatives": ["hidden-club"]}, "initiatives")
    unknown = refused({"url": receiver.url, "initiatives": ["no-such-club"]}, "initiatives")
    assert hidden["fields"]["initiatives"] == [
        m.replace("no-such-club", "hidden-club") for m in unknown["fields"]["initiatives"]
    ]
    settings.CBM_WEBHOOK_ALLOW_PRIVATE = False
    for address in (
        "http://example.org/hook",  # plain http
        "https://127.0.0.1/hook",  # loopback
        "https://10.1.2.3/hook",  # private
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]/hook",
        "https://user:pw@93.184.215.14/hook",  # credentials in the address
    ):
        refused({"url": address}, "url")
    assert not Webhook.objects.exists()

    settings.CBM_WEBHOOK_ALLOW_PRIVATE = True
    settings.CBM_WEBHOOK_MAX_PER_USER = 1
    assert api.post(url("webhooks/"), {"url": receiver.url}, format="json").status_code == 201
    refused({"url": receiver.url}, "non_field_errors")


def test_admins_list_disable_and_enable_hooks_and_read_their_logs(users, receiver, client):
    hook = hooks.create_webhook(users.reader, url=receiver.url)
    delivery.ping(hook)
    client.force_login(users.admin)
    listed = client.get(reverse("admin:webhooks_webhook_changelist"))
    assert listed.status_code == 200 and receiver.url in listed.content.decode()
    page = client.get(reverse("admin:webhooks_webhook_change", args=[hook.pk]))
    assert page.status_code == 200 and hook.secret not in page.content.decode()
    log = client.get(reverse("admin:webhooks_delivery_changelist"))
    assert log.status_code == 200 and receiver.url in log.content.decode()

    for action, active in (("disable", False), ("enable", True)):
        done = client.post(
            reverse("admin:webhooks_webhook_changelist"),
            {"action": action, "_selected_action": [hook.pk]},
        )
        assert done.status_code == 302
        hook.refresh_from_db()
        assert hook.active is active
    assert (
        ChangeRecord.objects.filter(content_type__model="webhook", actor=users.admin).count() == 2
    )

    client.force_login(users.analyst)  # staff, not an admin: operations are none of theirs
    assert client.get(reverse("admin:webhooks_webhook_changelist")).status_code == 403
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 403


def test_the_list_of_hooks_is_conditional_and_moves_with_its_owners_writes(users, receiver):
    api = client(users.reader)
    etag = api.get(url("webhooks/"))["ETag"]
    assert api.get(url("webhooks/"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    hooks.create_webhook(users.analyst, url=receiver.url)  # someone else's
    assert api.get(url("webhooks/"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    hook = hooks.create_webhook(users.reader, url=receiver.url)
    listed = api.get(url("webhooks/"), HTTP_IF_NONE_MATCH=etag)
    assert listed.status_code == 200 and listed.json()["results"][0]["id"] == str(hook.public_id)
    hooks.update_webhook(users.reader, hook, expected_version=hook.version, description="Sync")
    assert api.get(url("webhooks/"), HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200
