"""Non-interference of the phone layout's new outputs: the coverage beside
each score ("16/20 rated", counted over what the viewer may see) and the
short measure names on the heat map's headers and cells. An assessment a
viewer may not see — on a cell they see unrated and on one they see rated,
under markings above them — changes nothing on their heat map, in English or
French, filtered or not; one they may see changes the coverage it should.
"""

import datetime
import re

import pytest
from django.test import Client

from measures import services
from tests.canaries import plant
from tests.factories import cell_at, marking
from tests.security.test_non_interference import World, differences, response_bytes

# Every level recorded here is published at once (no proposal, which no
# viewer would see anyway and would make the test vacuous).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_off")]

D = datetime.date

PAGES = ["/", "/?domain=military", "/?as_of=2011-06-30", "/?region=maghreb"]
VIEWERS = ["reader", "french_reader", "editor"]


def observe(user):
    seen = {}
    for language in ("en", "fr"):
        browser = Client(HTTP_ACCEPT_LANGUAGE=language)
        browser.force_login(user)
        for path in PAGES:
            seen[f"{language} {path}"] = response_bytes(browser.get(path))
    return seen


def coverage(page, iso):
    """The coverage shown in the heat-map row of ``iso``."""
    body = page.split(b"\n\n", 1)[1].decode()
    row = re.search(
        rf'<span class="iso">{iso}</span></th>\s*<td class="score-col">(.*?)</td>', body
    )
    return re.search(r'<span class="coverage">(.*?)</span>', row.group(1)).group(1)


@pytest.fixture
def world(users):
    return World(users)


@pytest.mark.parametrize("name", VIEWERS)
def test_assessments_a_viewer_may_not_see_change_no_coverage_or_card(world, name):
    viewer = world.viewers[name]
    before = observe(viewer)
    unrated, rated = cell_at(4, "DZ"), cell_at(17, "DZ")
    assert coverage(before["en /"], "DZ") == "16/20 rated"

    restricted, confidential = world.hidden_markings(name)
    plant(world.writer, unrated, "implemented", D(2012, 1, 1), marking=confidential)
    plant(world.writer, rated, "implemented", D(2012, 1, 1), marking=restricted)

    assert differences(before, observe(viewer)) == []
    # Aimed well: the writer, who may see both, finds the unrated cell rated.
    assert coverage(observe(world.writer)["en /"], "DZ") == "17/20 rated"


def test_an_assessment_the_viewer_may_see_changes_the_coverage(world):
    viewer = world.viewers["reader"]
    before = observe(viewer)
    cell = cell_at(4, "DZ")
    services.record_assessment(
        world.writer,
        cell,
        level="agreed",
        effective_on=D(2012, 1, 1),
        expected_version=cell.version_for(world.writer),
        rationale_en="Public: everyone may see it.",
        marking=marking("public"),
    )
    after = observe(viewer)
    assert coverage(after["en /"], "DZ") == "17/20 rated"
    assert coverage(after["fr /"], "DZ") == "17/20 évaluées"
    changed = differences(before, after)
    assert {"en /", "fr /", "en /?region=maghreb"} <= set(changed)
    assert "en /?as_of=2011-06-30" not in changed  # effective in 2012
