"""Non-interference for webhooks registered in the admin: an administrator
registering (and changing) a hook for a service account changes nothing
another user observes — their hooks, their tokens, who they are, the feed,
ETags, the account page. The service account's own list of hooks does
change (the write is aimed well)."""

import uuid

import pytest
from django.urls import reverse

from tests.api_helpers import client, feed_cursor
from tests.canaries import plant
from tests.factories import cell_at, make_user, marking
from tests.security.test_non_interference_tokens import D, differences, observe, signed_in
from webhooks import services as hooks
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

HOOK = "http://127.0.0.1:9/hook"  # tests allow private addresses


def seen(user, cell, cursor):
    api = client(user)
    looked = observe(api, signed_in(user), cell, uuid.uuid4().hex[:15], cursor)
    # The probe is random: drop it, it never matches twice.
    looked.pop("/api/v1/tokens/<token>/")
    looked["/api/v1/webhooks/"] = api.get("/api/v1/webhooks/").content
    return looked


def test_an_admin_registering_a_hook_for_a_service_account_changes_nothing_others_see(users):
    viewer = users.analyst
    cell = cell_at(6, "MA")
    plant(users.confidential_editor, cell, "agreed", D(2012, 1, 1), marking=marking("restricted"))
    hooks.create_webhook(viewer, url=HOOK + "/mine")
    bot = make_user("hook_bot", role="reader", clearance="restricted")
    cursor = feed_cursor()
    before, bot_before = seen(viewer, cell, cursor), seen(bot, cell, cursor)

    name = f"CANARY-{uuid.uuid4().hex}"
    admin = signed_in(users.admin)
    added = admin.post(
        reverse("admin:webhooks_webhook_add"),
        {"owner": bot.pk, "url": HOOK, "description": name, "countries": ["MA"]},
    )
    assert added.status_code == 302
    hook = Webhook.objects.get(owner=bot)
    changed = admin.post(
        reverse("admin:webhooks_webhook_change", args=[hook.pk]),
        {"url": HOOK + "/v2", "description": name, "expected_version": hook.version},
    )
    assert changed.status_code == 302
    after = seen(viewer, cell, cursor)

    assert differences(before, after) == []
    assert all(name.encode() not in looked for looked in after.values())
    # Positive control: the service account's own list shows the hook.
    bot_after = seen(bot, cell, cursor)
    assert differences(bot_before, bot_after) == ["/api/v1/webhooks/"]
    assert name.encode() in bot_after["/api/v1/webhooks/"]
