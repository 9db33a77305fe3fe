"""Non-interference for token lineage: one user minting a chain of tokens
(each made with the one before) and revoking its root, which takes the
chain with it, changes nothing another user observes — their own tokens
and the parents they name, who they are, the feed, ETags, the account page.
The writer's own list does change (the writes are aimed well)."""

import uuid

import pytest

from tests.api_helpers import client, feed_cursor, token_for
from tests.canaries import plant
from tests.factories import cell_at, make_user, marking
from tests.security.test_non_interference_tokens import (
    PROBE,
    D,
    differences,
    observe,
    signed_in,
)

pytestmark = pytest.mark.django_db


def mint(api, name, days):
    return api.post(
        "/api/v1/tokens/", {"name": name, "expires_in_days": days}, format="json"
    ).json()


def test_someone_elses_token_chain_and_its_revocation_change_nothing_a_user_observes(users):
    viewer = users.analyst
    cell = cell_at(6, "MA")
    plant(users.confidential_editor, cell, "agreed", D(2012, 1, 1), marking=marking("restricted"))
    # The viewer's own tokens name a parent too.
    root = mint(client(viewer), "root", 30)
    mint(client(token=root["token"]), "child", 20)
    api, browser = client(token=root["token"]), signed_in(viewer)
    writer = make_user("lineage_writer", role="reader", clearance="public")
    probe, cursor = uuid.uuid4().hex[:15], feed_cursor()

    before = observe(api, browser, cell, probe, cursor)
    writer_before = observe(client(writer), signed_in(writer), cell, probe, cursor)
    name = f"CANARY-{uuid.uuid4().hex}"
    parent = mint(client(token=token_for(writer, days=30)), name, 25)
    child = mint(client(token=parent["token"]), name, 20)
    mint(client(token=child["token"]), name, 10)
    kept = mint(client(token=parent["token"]), f"{name}-kept", 15)
    assert client(token=parent["token"]).delete(f"/api/v1/tokens/{child['id']}/").status_code == 204
    after = observe(api, browser, cell, kept["id"], cursor)

    assert differences(before, after) == []
    assert all(name.encode() not in seen for seen in after.values())
    # Positive control: the writer's list names the survivor and its parent.
    writer_after = observe(client(writer), signed_in(writer), cell, kept["id"], cursor)
    assert {"/api/v1/tokens/", f"/api/v1/tokens/{PROBE}/"} <= set(
        differences(writer_before, writer_after)
    )
    assert parent["id"].encode() in writer_after[f"/api/v1/tokens/{PROBE}/"]
    assert child["id"].encode() not in writer_after["/api/v1/tokens/"]
