"""Non-interference for tokens: one user making, naming and revoking tokens —
over the API (signed in, or with a token), on the account page and with
``create_api_token`` — changes nothing another user observes: their own
tokens (list, one token, a probe naming a token that does not exist yet and
is someone else's after), who they are (``/me``), the change feed from where
it stood before, the ETags of a cell and a scorecard, the API root and the
account page. The token writer's own list does change (the writes are aimed
well).
"""

import datetime
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.api_helpers import client, feed_cursor, token_for
from tests.canaries import plant
from tests.factories import cell_at, make_user, marking
from tests.security.test_non_interference import response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
PROBE = "<token>"


def paths(cell):
    return [
        "/api/v1/",
        "/api/v1/me/",
        "/api/v1/tokens/",
        f"/api/v1/tokens/{PROBE}/",
        f"/api/v1/cells/{cell.pk}/",
        "/api/v1/scorecards/countries/MA/",
    ]


def observe(api, browser, cell, probe, cursor):
    """What the viewer sees; the change feed after ``cursor`` (taken before
    the writes: anything they add to the feed would be there)."""
    seen = {p: response_bytes(api.get(p.replace(PROBE, probe))) for p in paths(cell)}
    seen["changes"] = response_bytes(api.get(f"/api/v1/changes/?since={cursor}&limit=200"))
    seen["/account/"] = response_bytes(browser.get("/account/"))
    return seen


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def token_writes(writer):
    """Everything a user may do with their own tokens, through every door.
    Returns the key of the token left standing and its name."""
    name = f"CANARY-{uuid.uuid4().hex}"
    session = client(writer)
    kept = session.post("/api/v1/tokens/", {"name": name}, format="json").json()
    with_token = client(token=kept["token"])
    minted = with_token.post(
        "/api/v1/tokens/", {"name": "minted", "expires_in_days": 2}, format="json"
    )
    assert with_token.delete(f"/api/v1/tokens/{minted.json()['id']}/").status_code == 204
    browser = signed_in(writer)
    browser.post(reverse("account-create-token"), {"name": "page", "days": 7})
    call_command(
        "create_api_token", writer.username, "--name", "cli", stdout=StringIO(), stderr=StringIO()
    )
    page_token = next(
        t for t in session.get("/api/v1/tokens/").json()["results"] if t["name"] == "page"
    )
    browser.post(reverse("account-revoke-token"), {"token_key": page_token["id"]})
    return kept["id"], name


def differences(before, after):
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def test_someone_elses_token_writes_change_nothing_a_user_observes(users):
    viewer = users.analyst
    cell = cell_at(6, "MA")
    # Something marked on the cell, so that its ETag and the feed carry the
    # viewer's own view of it.
    plant(users.confidential_editor, cell, "agreed", D(2012, 1, 1), marking=marking("restricted"))
    client(viewer).post("/api/v1/tokens/", {"name": "mine"}, format="json")
    api, browser = client(token=token_for(viewer, days=30)), signed_in(viewer)
    writer = make_user("token_writer", role="reader", clearance="public")
    probe, cursor = uuid.uuid4().hex[:15], feed_cursor()

    before = observe(api, browser, cell, probe, cursor)
    writer_before = observe(client(writer), signed_in(writer), cell, probe, cursor)
    kept, name = token_writes(writer)
    after = observe(api, browser, cell, kept, cursor)

    assert differences(before, after) == []
    assert all(name.encode() not in seen for seen in after.values())
    # Positive control: the writer's own list, the probe and page did change.
    writer_after = observe(client(writer), signed_in(writer), cell, kept, cursor)
    changed = differences(writer_before, writer_after)
    assert {"/api/v1/tokens/", f"/api/v1/tokens/{PROBE}/", "/account/"} <= set(changed)
    assert name.encode() in writer_after["/api/v1/tokens/"]
