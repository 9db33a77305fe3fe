"""Non-interference of review: a proposal a viewer may not see — above their
clearance, in a country outside their scope, or simply any proposal, for a
reader — changes nothing they observe: every API read (the proposals
resource, lists and counts, scorecards, cells, ETags), the change feed, the
pages (scorecards, cell pages, /proposals/, the nav's review count) and
their digest. And a proposal they may see does change /proposals/ and the
count, so the observation would catch a leak.

The machinery (observations, masks, probes) is test_non_interference.py's.
"""

import datetime
import re
import uuid

import pytest
from django.test import Client

from digests import services as digest_services
from measures import services
from measures.models import Source
from tests.api_helpers import client
from tests.factories import EvidenceFactory, cell_at, make_user, marking
from tests.security.test_non_interference import (
    World,
    api_paths,
    differences,
    observe_api,
    observe_digest,
    probe_key,
    resolve_probe,
    response_bytes,
)

pytestmark = pytest.mark.django_db

D = datetime.date


class ReviewWorld(World):
    """The seeded world, an author and a reviewer who write proposals above the viewers."""

    def __init__(self, users):
        super().__init__(users)
        self.probes["proposal"] = str(uuid.uuid4())
        self.targets = [cell_at(6, "MA"), cell_at(11, "DZ"), cell_at(11, "TN")]
        # Authors: a Tunisian editor (outside the viewers' scopes) and the
        # confidential Moroccan editor (above the restricted editor's clearance).
        self.tunisian = make_user("editor_tn", role="editor", clearance="public", countries=["TN"])
        self.tunisian_reviewer = make_user(
            "editor_tn2", role="editor", clearance="public", countries=["TN"]
        )


@pytest.fixture
def world(users):
    return ReviewWorld(users)


def observe_pages(world, name):
    """The pages a proposal could show through: the overview's heat map, the
    target cells and their countries, the measure pages, /proposals/ (with
    the nav's review count on every page) and a probe of a proposal's page."""
    browser = Client()
    browser.force_login(world.viewers[name])
    paths = [
        "/",
        "/?format=csv",
        "/proposals/",
        "/proposals/<proposal>/",
        "/measures/6/",
        "/measures/11/",
        "/countries/MA/",
        "/countries/DZ/",
        "/countries/TN/",
        *(f"/cells/{c.pk}/" for c in world.targets),
        *(f"/cells/{c.pk}/?format=csv" for c in world.targets),
    ]
    return {p: response_bytes(browser.get(resolve_probe(world, p))) for p in paths}


def observe(world, name, keys):
    api = client(world.viewers[name])
    return {
        **observe_api(world, name, api, keys),
        **observe_pages(world, name),
        **observe_digest(world, name),
    }


def propose(author, cell, level, **kwargs):
    return services.submit_assessment(
        author,
        cell,
        level=level,
        effective_on=D(2020, 1, 1),
        expected_version=cell.version_for(author),
        rationale_en="ni- proposed",
        **kwargs,
    )


def hidden_proposals(world, name):
    """Every step of review, on proposals ``name`` may not see."""
    users = world.users
    tunisia = world.targets[2]
    # Outside every viewer's scope (and no reader sees any proposal): filed,
    # returned, proposed again, withdrawn; another approved.
    first = propose(world.tunisian, tunisia, "implemented")
    world.probes["proposal"] = str(first.public_id)
    services.return_proposal(world.tunisian_reviewer, first, expected_version=1, comment="ni- no")
    again = services.repropose(
        world.tunisian, first, expected_version=tunisia.version_for(world.tunisian)
    )
    services.withdraw_proposal(world.tunisian, again, expected_version=1)
    # Above the restricted editor's clearance, on a cell in their scope:
    # filed, and another one approved (it publishes a confidential assessment).
    morocco = world.targets[0]
    secret = EvidenceFactory(
        source=Source.objects.get(key="000"),
        cells=[morocco],
        marking=marking("confidential", "MA"),
    )
    confidential = marking("confidential", "MA")
    propose(
        users.confidential_editor, morocco, "suspended", evidence=[secret], marking=confidential
    )
    published = propose(
        users.confidential_editor, morocco, "implemented", evidence=[secret], marking=confidential
    )
    services.approve_proposal(users.admin, published, expected_version=1)
    if name != "editor":
        # For everyone who is not a reviewer of Algeria: a public one there too.
        propose(users.editor, world.targets[1], "agreed", marking=marking("public"))


# Who looks: readers of every kind never see a proposal; the editor (DZ, MA,
# restricted) sees Algeria's and Morocco's public and restricted ones only.
VIEWERS = ["reader", "restricted_reader", "french_reader", "editor"]


@pytest.mark.parametrize("name", VIEWERS)
def test_proposals_a_viewer_may_not_see_change_nothing_they_observe(world, name):
    keys = [probe_key(world, p) for p in api_paths(world, name)]
    assert any("/proposals/" in k for k in keys)
    before = observe(world, name, keys)

    hidden_proposals(world, name)

    after = observe(world, name, keys)
    assert differences(before, after) == []


def test_a_proposal_the_editor_may_review_does_change_their_list_and_count(world):
    name = "editor"
    keys = [probe_key(world, p) for p in api_paths(world, name) if "/proposals/" in p]
    before = {**observe_api(world, name, client(world.viewers[name]), keys)}
    before.update(observe_pages(world, name))
    author = make_user("editor_dz_author", role="editor", clearance="public", countries=["DZ"])
    propose(author, world.targets[1], "agreed")
    after = {**observe_api(world, name, client(world.viewers[name]), keys)}
    after.update(observe_pages(world, name))
    changed = differences(before, after)
    assert "/proposals/" in changed  # the list and the nav's count
    assert "/" in changed  # the nav's count, on every page
    assert "/api/v1/proposals/?page_size=1000" in changed
    # Nothing published: the scorecards and the cell page's data are the same
    # but for the count in the nav.
    page = Client()
    page.force_login(world.viewers[name])
    assert "Review (1)" in page.get("/").content.decode()


NAV_COUNT = re.compile(rb"Review \(\d+\)")


@pytest.mark.parametrize("who", ["admin", "editor"])
def test_a_proposal_changes_no_published_view_even_for_those_who_see_it(world, who):
    """Scorecards (JSON and CSV exports), cells, assessments, the change feed,
    the heat map, the cell and country pages and the digest of an admin who
    may review it, or of its author: the same before and after a proposal,
    but for the nav's count (masked here, tested above) and the worklists,
    which list proposals awaiting review by design (My week: its own suite)."""
    user = getattr(world.users, who)
    if who not in world.viewers:  # the editor is one already, subscribed
        world.viewers[who] = user
        digest_services.subscribe(user, language="en")
    workflow = ("/proposals/", "/week/")
    keys = [
        probe_key(world, p)
        for p in api_paths(world, who)
        if not any(part in p for part in workflow)
    ]

    def look():
        seen = {
            **observe_api(world, who, client(user), keys),
            **observe_pages(world, who),
            **observe_digest(world, who),
        }
        seen.pop("/proposals/")
        seen.pop("/proposals/<proposal>/")
        return {k: NAV_COUNT.sub(b"Review (*)", v) for k, v in seen.items()}

    before = look()
    propose(world.users.editor, world.targets[1], "implemented")
    propose(world.users.editor, world.targets[0], "suspended")
    assert differences(before, look()) == []
