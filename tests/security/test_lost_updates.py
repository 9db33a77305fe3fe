"""No lost update, through real HTTP on PostgreSQL: 50 pairs of conflicting
writes sent at the same moment with the same If-Match, each pair by two
editors over their own connections to a live server (one thread and one
database connection per request). Exactly one of each pair wins (200) and
the other is refused (412); the cell's version (as both editors read it)
moves by the number of wins; there is one assessment and one audit record
per win, none per refusal.
"""

import json
import threading
import urllib.error
import urllib.request

import pytest

from measures.models import Assessment, ChangeRecord
from tests.api_helpers import token_for
from tests.factories import cell_at, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

PAIRS = 50


def request(method, address, token, body=None, **headers):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(address, data=data, method=method)
    req.add_header("Authorization", f"Token {token}")
    req.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_fifty_pairs_of_conflicting_writes_lose_no_update(live_server, users):
    cell = cell_at(11, "MA")
    path = f"{live_server.url}/api/v1/cells/{cell.pk}/"
    # Two editors who see the same data: the ETag one reads is the other's too.
    twin = make_user("editor_twin", role="editor", clearance="restricted", countries=["MA"])
    tokens = [token_for(users.editor), token_for(twin)]
    assert request("GET", path, tokens[0])[1]["ETag"] == request("GET", path, tokens[1])[1]["ETag"]
    version_before = cell.version_for(users.editor)
    assert cell.version_for(twin) == version_before
    assessments_before = Assessment.objects.filter(cell=cell).count()
    revisions_before = set(ChangeRecord.objects.values_list("revision", flat=True))
    outcomes = []

    for pair in range(PAIRS):
        code, headers, _body = request("GET", path, tokens[0])
        assert code == 200
        etag = headers["ETag"]
        barrier = threading.Barrier(2)
        results = [None, None]

        def write(i, pair=pair, etag=etag, barrier=barrier, results=results):
            body = {
                "level": ["agreed", "partial"][i],
                "effective_on": "2013-05-01",
                "rationale": f"pair {pair}, writer {i}",
            }
            barrier.wait(10)
            results[i] = request("PATCH", path, tokens[i], body, **{"If-Match": etag})[0]

        threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        outcomes.append(sorted(results))

    assert outcomes == [[200, 412]] * PAIRS
    wins = sum(o.count(200) for o in outcomes)
    assert cell.version_for(users.editor) == version_before + wins
    assert cell.version_for(twin) == version_before + wins
    assert Assessment.objects.filter(cell=cell).count() == assessments_before + wins
    new = ChangeRecord.objects.exclude(revision__in=revisions_before)
    # One revision per win, recording the assessment created (the cell stores
    # no version: its row is not written).
    assert new.values("revision").distinct().count() == wins
    assert new.filter(content_type__model="assessment", action="create").count() == wins
    assert new.count() == wins
    # Each win's record carries the writer who won it.
    writers = {r.actor_username for r in new}
    assert writers == {users.editor.username, twin.username}
