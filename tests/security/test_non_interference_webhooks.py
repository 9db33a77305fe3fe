"""Non-interference for webhooks: what a reader's hook is sent — each POST's
headers and body, byte for byte — its delivery log and the hook as the API
shows it do not change when someone writes what the reader may not see;
a write the reader may see does change them (the positive control), and
the hidden writes are well aimed (a hook of their writer receives them).

Each observation delivers inside a savepoint that is then rolled back, at
one frozen instant (so timestamps and signatures may be compared too):
the same hook, from the same cursor, before and after the hidden writes.
"""

import datetime
import json

import pytest
import time_machine
from django.db import transaction

from tests.api_helpers import client, url
from tests.security.test_non_interference import World, hidden_writes, visible_write
from tests.webhooks.receiver import Receiver
from webhooks import delivery
from webhooks import services as hooks

pytestmark = pytest.mark.django_db

INSTANT = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC)
# Each log row's id is random and its duration the wall time of the POST:
# neither depends on what was written.
LOG_MASKED = ("id", "duration_ms")


class Rollback(Exception):
    pass


def observe(hook, receiver):
    """What the owner's receiver gets and the owner reads, then undone."""
    api = client(hook.owner)
    seen = {}
    try:
        with time_machine.travel(INSTANT, tick=False), transaction.atomic():
            receiver.requests.clear()
            delivery.deliver(hook.pk)
            seen["posts"] = [
                (
                    r.path,
                    sorted((k, v) for k, v in r.headers.items() if k.startswith("X-CBM")),
                    r.body,
                )
                for r in receiver.requests
            ]
            log = api.get(url(f"webhooks/{hook.public_id}/deliveries/")).json()
            seen["log"] = [
                {k: v for k, v in row.items() if k not in LOG_MASKED} for row in log["results"]
            ]
            read = api.get(url(f"webhooks/{hook.public_id}/"))
            seen["hook"] = (read["ETag"], read.content)
            raise Rollback
    except Rollback:
        pass
    return seen


def test_hidden_writes_change_nothing_a_readers_hook_is_sent(users, review_off):
    world = World(users)
    with Receiver() as receiver:
        reader = hooks.create_webhook(users.reader, url=receiver.url + "/reader")
        writer = hooks.create_webhook(world.writer, url=receiver.url + "/writer")
        visible_write(world)  # something to send, so that the body is no empty case

        before = observe(reader, receiver)
        assert len(before["posts"]) == 1 and before["log"]

        hidden_writes(world, "reader")

        assert observe(reader, receiver) == before
        # Aimed well: the writer's own hook is sent the hidden rows.
        sent_to_writer = b"".join(
            body for _path, _headers, body in observe(writer, receiver)["posts"]
        )
        assert world.probes["source"].encode() in sent_to_writer
        assert world.probes["initiative"].encode() in sent_to_writer

        # The positive control: a write the reader may see is sent to them.
        visible_write(world)
        after = observe(reader, receiver)
        assert after["posts"] != before["posts"]
        records = json.loads(after["posts"][0][2])["records"]
        assert len(records) > len(json.loads(before["posts"][0][2])["records"])
