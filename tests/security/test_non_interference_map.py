"""Non-interference for the map (``/map/``): what a viewer sees of it — the
page's bytes, so every colour, score, coverage and link — does not move when
someone writes what the viewer may not see, and does move for a viewer who
may see the write (the positive control: the writes are aimed at what the
map shows)."""

import datetime
import re

import pytest
from django.test import Client

from tests.canaries import moroccan_canary, plant
from tests.factories import cell_at, marking
from tests.security.test_non_interference import response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date

PAGES = [
    "/map/",
    "/map/?measure=6",
    "/map/?measure=12",
    "/map/?as_of=2013-06-30",
    "/map/?measure=6&as_of=2013-06-30",
    "/map/?measure=6&as_of=2011-06-30",
    "/map/?measure=99",  # the error page too
]


def observe(user):
    browser = Client()
    browser.force_login(user)
    return {path: response_bytes(browser.get(path)) for path in PAGES}


def colour(user, path, iso):
    """The level class of a country's shape on the map."""
    browser = Client()
    browser.force_login(user)
    body = browser.get(path).content.decode()
    found = re.search(rf'data-iso="{iso}"[^>]*>.*?class="map-shape (lv-[a-z_]+)"', body)
    return found.group(1)


def hidden_writes(users):
    """Confidential writes no viewer below may see: 6·MA raised to implemented
    on evidence releasable to Morocco (an already scored country), and the
    first rating of Burkina Faso (a country with no score) on evidence
    releasable to NATO."""
    moroccan_canary(users)
    plant(
        users.admin,
        cell_at(12, "BF"),
        "implemented",
        D(2012, 1, 1),
        marking=marking("confidential", "nato"),
    )


@pytest.mark.parametrize("viewer", ["reader", "restricted_reader", "editor", "french_analyst"])
def test_hidden_writes_move_nothing_on_the_map(users, viewer):
    user = getattr(users, viewer)
    before = observe(user)
    colours = {iso: colour(user, "/map/?measure=6", iso) for iso in ("MA", "BF")}
    hidden_writes(users)
    after = observe(user)
    for path in PAGES:
        assert after[path] == before[path], path
    assert {iso: colour(user, "/map/?measure=6", iso) for iso in ("MA", "BF")} == colours


def test_the_writes_show_on_the_map_of_whoever_may_see_them(users):
    analyst = users.moroccan_analyst  # confidential, affiliated with Morocco
    admin = users.admin  # confidential, NATO and Morocco
    before = {name: observe(u) for name, u in (("analyst", analyst), ("admin", admin))}
    assert colour(analyst, "/map/?measure=6", "MA") != "lv-implemented"
    assert colour(admin, "/map/?measure=12", "BF") == "lv-no_evidence"
    hidden_writes(users)
    after = {name: observe(u) for name, u in (("analyst", analyst), ("admin", admin))}
    assert colour(analyst, "/map/?measure=6", "MA") == "lv-implemented"
    assert colour(admin, "/map/?measure=12", "BF") == "lv-implemented"
    assert colour(admin, "/map/", "BF") == "lv-implemented"  # its only rated measure
    changed = {p for p in PAGES if after["admin"][p] != before["admin"][p]}
    assert {"/map/", "/map/?measure=6", "/map/?measure=12", "/map/?as_of=2013-06-30"} <= changed
    assert after["analyst"]["/map/?measure=6"] != before["analyst"]["/map/?measure=6"]
    # Replayed to a date before either write took effect, the map is as it was.
    assert (
        after["admin"]["/map/?measure=6&as_of=2011-06-30"]
        == (before["admin"]["/map/?measure=6&as_of=2011-06-30"])
    )
