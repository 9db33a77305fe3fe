"""An administrator registers a webhook for another account (a service
account) in the admin: the same checks as the API (webhooks.services), the
secret shown once in a message, an audited write under the admin's name; a
refusal shows the service's message and writes nothing; nobody else may."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from countries.models import Initiative
from measures.models import ChangeRecord
from tests.factories import make_user
from tests.webhooks.test_webhooks_api import hidden_initiative
from webhooks import services as hooks
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

ADD = reverse("admin:webhooks_webhook_add")
HOOK = "http://127.0.0.1:9/hook"  # tests allow private addresses (CBM_WEBHOOK_ALLOW_PRIVATE)


def form(owner, **fields):
    return {"owner": owner.pk, "url": HOOK, "description": "", "_save": "Save", **fields}


def hook_records():
    return ChangeRecord.objects.filter(content_type__model="webhook")


def test_an_admin_registers_a_hook_for_a_service_account_and_sees_its_secret_once(users, client):
    bot = make_user("sync_bot", role="reader", clearance="restricted")
    client.force_login(users.admin)
    assert client.get(ADD).status_code == 200

    data = form(bot, description="Nightly sync", countries=["MA"], kinds=["assessment"])
    page = client.post(ADD, data, follow=True)
    hook = Webhook.objects.get()
    assert (hook.owner, hook.url, hook.kinds) == (bot, HOOK, ["assessment"])
    assert [c.pk for c in hook.countries.all()] == ["MA"]
    assert hook.secret in page.content.decode()  # the message after saving
    assert (
        hook.secret not in client.get(reverse("admin:webhooks_webhook_changelist")).content.decode()
    )

    (record,) = hook_records()
    assert (record.actor, record.action, record.after["owner_id"]) == (
        users.admin,
        "create",
        bot.pk,
    )
    assert hook.secret not in str(record.after)

    # The admin changes its address and filters through the service too.
    change = reverse("admin:webhooks_webhook_change", args=[hook.pk])
    edited = {**data, "url": HOOK + "/v2", "kinds": [], "expected_version": hook.version}
    assert client.post(change, edited).status_code == 302
    hook.refresh_from_db()
    assert (hook.url, hook.kinds, hook.owner, hook.version) == (HOOK + "/v2", [], bot, 2)
    assert hook_records().last().before["url"] == HOOK


def test_a_refused_registration_shows_the_services_message_and_writes_nothing(
    users, client, settings
):
    settings.CBM_WEBHOOK_ALLOW_PRIVATE = False
    bot = make_user("public_bot", role="reader", clearance="public")
    gone = get_user_model().objects.create_user("gone", is_active=False)
    hidden = hidden_initiative(users.admin)
    client.force_login(users.admin)
    records = ChangeRecord.objects.count()
    refusals = [
        (form(bot, url="http://10.0.0.1/"), "An https:// address is required."),
        (form(bot, url="https://10.0.0.1/"), "This address is private"),
        (form(bot, url="not a url"), "Enter a valid URL."),
        (form(gone, url="https://example.org/"), "Select a valid choice."),  # active only
    ]
    for data, message in refusals:
        page = client.post(ADD, data)
        assert page.status_code == 200 and message in page.content.decode(), message
    # The initiative is the admin's to see, not the owner's: deliveries are the owner's.
    settings.CBM_WEBHOOK_ALLOW_PRIVATE = True
    page = client.post(ADD, form(bot, initiatives=[hidden.pk]))
    assert "public_bot may not see initiative(s): hidden-club." in page.content.decode()
    assert Initiative.objects.filter(pk=hidden.pk).exists()

    assert not Webhook.objects.exists()
    assert ChangeRecord.objects.count() == records


def test_only_an_admin_registers_hooks_for_another_active_account(users, client):
    client.force_login(users.editor)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form(users.reader)).status_code == 403
    # The service refuses it whatever the door (the API has no owner field).
    with pytest.raises(PermissionDenied):
        hooks.create_webhook(users.editor, owner=users.reader, url=HOOK)
    gone = get_user_model().objects.create_user("gone", is_active=False)
    with pytest.raises(ValidationError, match="deactivated"):
        hooks.create_webhook(users.admin, owner=gone, url=HOOK)
    assert not Webhook.objects.exists()
