"""Non-interference, for the lists' ETags and CSV: a write a viewer may not
see changes nothing of any REST list they read — status, headers (ETag,
Link, file name) and bytes, in JSON and in CSV — and a
write they may see does change it (the positive control).

The writes are the main suite's (tests/security/test_non_interference.py:
evidence, sources, assessments, markings, an initiative and membership,
grants, tokens, someone else's subscription), all releasable to Spain only,
plus what only the lists show: a proposal on a cell the editor reviews and
a reply to a public assessment, both marked for Spain. The main suite also
reads every list in JSON and CSV; this one adds the hidden proposal and
reply, a middle CSV page asked by the Accept header (its Link) and the
caller's own lists moving with the caller."""

import datetime

import pytest

from measures import services
from measures.reads.list_tables import TABLES
from tests.api_helpers import client
from tests.factories import assess, cell_at, make_user
from tests.security.test_non_interference import (
    World,
    differences,
    hidden_writes,
    response_bytes,
    visible_write,
)

pytestmark = pytest.mark.django_db

D = datetime.date

# The big lists narrowed to Morocco (the writes aim at 6·MA), the rest whole.
QUERIES = {"cells": "country=MA&", "assessments": "country=MA&", "evidence": "country=MA&"}

# The viewer: an editor who reviews proposals on Morocco's cells, who may not
# see what is releasable to Spain only. (The main suite reads every list in
# JSON and CSV for six viewers.)
VIEWER = "editor"
# A middle page of the cells, asked by the Accept header: its Link header.
MIDDLE = "/api/v1/cells/?page_size=100&page=2"


def list_paths():
    for name in TABLES:
        yield f"/api/v1/{name}/?{QUERIES.get(name, '')}page_size=1000"


def observe_lists(user):
    api, seen = client(user), {}
    for path in list_paths():
        seen[path] = response_bytes(api.get(path))
        seen[path + "&format=csv"] = response_bytes(api.get(path + "&format=csv"))
    seen[MIDDLE] = response_bytes(api.get(MIDDLE, HTTP_ACCEPT="text/csv"))
    return seen


def propose(user, cell, level, marking=None):
    return services.submit_assessment(
        user,
        cell,
        level=level,
        effective_on=D(2020, 1, 1),
        effective_precision="day",
        expected_version=cell.version_for(user),
        rationale_en="ni- proposed",
        **({"marking": marking} if marking else {}),
    )


class ListWorld(World):
    def __init__(self, users):
        super().__init__(users)
        low, _high = self.hidden_markings("editor")  # releasable to Spain only
        self.spanish_editor = make_user(
            "editor_ma_es",
            role="editor",
            clearance="confidential",
            countries=["MA"],
            affiliations=["ES"],
        )
        self.spanish_liaison = make_user(
            "liaison_ma_es",
            role="respondent",
            clearance="confidential",
            countries=["MA"],
            affiliations=["ES"],
        )
        self.low = low
        self.answered = assess(users.editor, cell_at(11, "MA"), "partial", D(2013, 2, 1))
        self.liaison = make_user(
            "liaison_ma", role="respondent", clearance="public", countries=["MA"]
        )
        # Rows every viewer sees, so that no list is empty.
        services.reply_to_assessment(self.liaison, self.answered, text_en="Morocco answers.")
        propose(users.editor, cell_at(11, "DZ"), "agreed")


@pytest.fixture
def world(users):
    return ListWorld(users)


def hidden_list_writes(world):
    hidden_writes(world, "editor")
    propose(world.spanish_editor, cell_at(15, "MA"), "implemented", world.low)
    services.reply_to_assessment(
        world.spanish_liaison, world.answered, text_en="ni- hidden reply", marking=world.low
    )


def test_writes_a_viewer_may_not_see_change_no_list_they_read(world):
    viewer = world.viewers[VIEWER]
    before = observe_lists(viewer)
    assert len(before) == 2 * len(TABLES) + 1
    assert all(b"\n\n" in seen and seen.startswith(b"200") for seen in before.values())

    hidden_list_writes(world)

    assert differences(before, observe_lists(viewer)) == []


def test_writes_a_viewer_may_see_change_the_lists_in_every_format(world):
    """The positive control: the same observations see a public assessment, a
    reply and the editor's own proposal, each where it belongs."""
    editor = world.viewers[VIEWER]
    before = observe_lists(editor)

    visible_write(world)
    services.reply_to_assessment(world.liaison, world.answered, text_en="A second answer.")
    propose(editor, cell_at(16, "MA"), "implemented")

    changed = differences(before, observe_lists(editor))
    for name in ("cells", "assessments", "proposals", "replies"):
        path = f"/api/v1/{name}/?{QUERIES.get(name, '')}page_size=1000"
        assert {path, path + "&format=csv"} <= set(changed), name
    assert MIDDLE in changed
