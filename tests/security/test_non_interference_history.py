"""Non-interference, for history (issue 15): writes a viewer may not see change
nothing they observe on the compare page (levels, scores, coverage, the
chart and its table, the CSVs), in the "what changed between two dates"
lists of the country, measure and initiative pages (rows and counts, at the
default dates and at chosen ones, and their CSV) and in a cell's timeline —
and a write they may see does change them (the positive control).

The writes, above the viewer: everything the main suite writes
(tests/security/test_non_interference.py ``hidden_writes``: assessments on
6·MA and 17·DZ, one retracted, a marked initiative with Morocco as member),
plus assessments dated inside the default window (the last year) on 6·MA
and 6·TN, and one on the pair DZ–MA of a bilateral measure.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import assess, cell_at, marking
from tests.security.test_non_interference import (
    World,
    differences,
    hidden_writes,
    resolve_probe,
    response_bytes,
)

pytestmark = pytest.mark.django_db

D = datetime.date

# A public reader (hidden = above their clearance) and a NATO reader cleared
# confidential (hidden = releasable to Spain only).
VIEWERS = ["reader", "nato_reader"]


def paths(world):
    """What a reader of history looks at."""
    today = timezone.localdate().isoformat()
    ma, dz = (c.pk for c in world.targets)
    window = f"changed_from=2010-01-01&changed_to={today}"
    return [
        "/compare/?c=DZ&c=MA&c=TN",
        "/compare/?c=DZ&c=MA&c=TN&format=csv&table=levels",
        "/compare/?c=DZ&c=MA&c=TN&format=csv&table=scores",
        "/compare/?c=MA&c=DZ&as_of=2013-06-01",
        "/countries/MA/",  # the default dates: a year ago to today
        f"/countries/MA/?{window}",
        f"/countries/MA/?{window}&format=csv&table=changes",
        "/countries/DZ/?changed_from=2011-01-01&changed_to=2014-01-01",
        "/countries/TN/?as_of=2013-06-01",
        "/measures/6/",
        f"/measures/6/?{window}",
        f"/measures/2/?{window}&format=csv&table=changes",
        "/initiatives/5plus5/",
        f"/initiatives/5plus5/?{window}",
        f"/initiatives/<initiative>/?{window}",  # unknown, then hidden
        f"/cells/{ma}/",
        f"/cells/{ma}/?as_of=2012-06-01",
        f"/cells/{dz}/",
        f"/cells/{cell_at(2, 'DZ', 'MA').pk}/",
    ]


def observe(world, name):
    browser = Client()
    browser.force_login(world.viewers[name])
    return {p: response_bytes(browser.get(resolve_probe(world, p))) for p in paths(world)}


def hidden_history(world, name):
    """The main suite's hidden writes, and hidden levels inside the default window."""
    hidden_writes(world, name)
    low, high = world.hidden_markings(name)
    recent = timezone.localdate() - datetime.timedelta(days=30)
    assess(world.writer, cell_at(6, "MA"), "suspended", recent, marking=low)
    assess(world.writer, cell_at(6, "TN"), "implemented", recent, marking=high)
    assess(world.writer, cell_at(2, "DZ", "MA"), "implemented", D(2012, 6, 1), marking=high)


@pytest.fixture
def world(users):
    return World(users)


@pytest.mark.parametrize("name", VIEWERS)
def test_hidden_writes_change_nothing_a_reader_of_history_sees(world, name):
    before = observe(world, name)
    assert all(b.startswith(b"200") for p, b in before.items() if "<initiative>" not in p)

    hidden_history(world, name)

    after = observe(world, name)
    assert differences(before, after) == []
    assert not any(b"ni-" in body for body in after.values())


def test_observations_are_repeatable(world):
    assert differences(observe(world, "reader"), observe(world, "reader")) == []


@pytest.mark.parametrize("name", VIEWERS)
def test_a_write_the_viewer_may_see_changes_compare_changes_and_timeline(world, name):
    before = observe(world, name)

    recent = timezone.localdate() - datetime.timedelta(days=10)
    assess(world.writer, cell_at(6, "MA"), "suspended", recent, marking=marking("public"))

    changed = differences(before, observe(world, name))
    ma = world.targets[0].pk
    for path in [
        "/compare/?c=DZ&c=MA&c=TN",  # the level, the score and the chart
        "/compare/?c=DZ&c=MA&c=TN&format=csv&table=levels",
        "/compare/?c=DZ&c=MA&c=TN&format=csv&table=scores",
        "/countries/MA/",  # one more change in the default window
        "/countries/MA/?changed_from=2010-01-01&changed_to="
        f"{timezone.localdate().isoformat()}&format=csv&table=changes",
        "/measures/6/",
        "/initiatives/5plus5/",
        f"/cells/{ma}/",  # the timeline
    ]:
        assert path in changed, path
    # What happened after a replayed date is not shown on the pages of that date.
    assert "/compare/?c=MA&c=DZ&as_of=2013-06-01" not in changed
    assert "/countries/TN/?as_of=2013-06-01" not in changed
