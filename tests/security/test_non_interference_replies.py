"""Non-interference, for the right of reply: a reply a viewer may not see —
marked above their clearance, or releasable to a party they do not belong
to — changes nothing they observe. The observations are those of the main
suite (tests/security/test_non_interference.py): every GET of the API
schema, /replies/ included with its counts, and the assessments' bodies and
ETags; the change feed; every page reached from the overview and the cells
of Morocco, where replies are shown; and the digest they would be sent.

The writes, above the viewer: replies to a public assessment of Morocco
(one citing evidence as high as itself), one of them retracted, and a
reply to an assessment itself hidden. A probe names a reply id before the
writes (unknown) and a hidden reply's id after them: the two read the same.
"""

import datetime

import pytest

from digests import services as digest_services
from measures import services
from measures.models import Assessment
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user
from tests.security.test_non_interference import (
    World,
    api_paths,
    differences,
    observe,
    probe_key,
)

pytestmark = pytest.mark.django_db

D = datetime.date

TARGET = (11, "MA")  # a cell of Morocco with a public assessment (below)

# Who looks: a public reader (hidden = above their clearance), a NATO reader
# cleared confidential (hidden = releasable to Spain only), Morocco's
# respondent (sees and writes replies; hidden = releasable to Spain only).
VIEWERS = ["reader", "nato_reader", "respondent"]


class ReplyWorld(World):
    def __init__(self, users):
        super().__init__(users)
        self.respondent = make_user(
            "liaison_ma", role="respondent", clearance="restricted", countries=["MA"]
        )
        digest_services.subscribe(self.respondent, language="en")
        self.viewers["respondent"] = self.respondent
        # Morocco's other liaison, cleared for material releasable to Spain only.
        self.hidden_liaison = make_user(
            "liaison_ma_es",
            role="respondent",
            clearance="confidential",
            countries=["MA"],
            affiliations=["ES"],
        )
        cell = cell_at(*TARGET)
        self.targets = [cell, *self.targets]
        self.answered = assess(users.editor, cell, "partial", D(2013, 2, 1))
        # A reply every viewer sees, so that lists and pages are not empty.
        services.reply_to_assessment(
            self.respondent, self.answered, text_en="Morocco answers in public."
        )


@pytest.fixture
def world(users):
    return ReplyWorld(users)


def hidden_replies(world, name):
    """Replies above ``name``'s head; returns one of them for the probe."""
    low, high = world.hidden_markings(name)
    liaison = world.hidden_liaison
    cell = cell_at(*TARGET)
    withdrawn = services.reply_to_assessment(
        liaison, world.answered, text_en="NI-REPLY withdrawn", marking=low
    )
    services.retract_reply(liaison, withdrawn, reason="NI-REPLY why", expected_version=1)
    secret = EvidenceFactory(
        source=SourceFactory(marking=high, title="NI-REPLY source"),
        summary_en="NI-REPLY evidence",
        cells=[cell],
    )
    kept = services.reply_to_assessment(
        liaison,
        world.answered,
        text_fr="NI-REPLY réponse",
        evidence=[secret],
        marking=high,
    )
    hidden_assessment = assess(world.writer, cell, "implemented", D(2014, 1, 1), marking=low)
    services.reply_to_assessment(liaison, hidden_assessment, text_en="NI-REPLY on hidden")
    return kept


def test_the_hidden_replies_are_hidden_from_the_viewers(world):
    hidden_replies(world, "nato_reader")
    for name in VIEWERS:
        visible = Assessment.objects.get(pk=world.answered.pk).replies.visible_to(
            world.viewers[name]
        )
        assert list(visible.values_list("text_en", flat=True)) == ["Morocco answers in public."]


@pytest.mark.parametrize("name", VIEWERS)
def test_replies_a_viewer_may_not_see_change_nothing_they_observe(world, name):
    keys = [probe_key(world, p) for p in api_paths(world, name)]
    keys += [
        probe_key(world, f"/api/v1/replies/?country=MA&assessment={world.answered.public_id}"),
        f"/api/v1/assessments/{world.answered.public_id}/",
        f"/api/v1/assessments/?cell={world.answered.cell_id}",
    ]
    before = observe(world, name, keys)
    assert len(before) > 100
    assert any(b"Morocco answers in public." in v for v in before.values())

    probe = hidden_replies(world, name)
    world.probes["reply"] = str(probe.public_id)  # the unknown id now names a hidden reply

    after = observe(world, name, keys)
    assert differences(before, after) == []
    assert not any(b"NI-REPLY" in v for v in after.values())


@pytest.mark.parametrize("name", ["reader", "respondent"])
def test_a_reply_the_viewer_may_see_does_change_what_they_observe(world, name):
    keys = [f"/api/v1/assessments/{world.answered.public_id}/", "/api/v1/replies/?"]
    before = observe(world, name, keys)

    services.reply_to_assessment(world.respondent, world.answered, text_en="A second word.")

    changed = differences(before, observe(world, name, keys))
    assert f"/api/v1/assessments/{world.answered.public_id}/" in changed  # body and ETag
    assert "/api/v1/replies/?" in changed
    assert f"/cells/{world.answered.cell_id}/" in changed
    assert "digest" in changed
