"""Non-interference for the sortable tables, coverage and their CSVs: the
order, filters, counts ("Showing n of m"), coverage ("6/20 rated") and the
low-coverage ranking a viewer sees — pages and CSV downloads alike — do not
move when someone writes what the viewer may not see: confidential
assessments that would lift Jordan's coverage above the rule's threshold, a
confidential level on a pair, a hidden source, a hidden initiative and a
hidden membership. A viewer cleared for them sees each move (the positive
control), so the writes are aimed at what these tables show."""

import datetime

import pytest
from django.test import Client

from countries.models import Country, Initiative, Membership
from measures import services
from tests.canaries import plant
from tests.factories import SourceFactory, assess, cell_at, marking
from tests.security.test_non_interference import response_bytes

pytestmark = pytest.mark.django_db

D = datetime.date

PAGES = [
    "/countries/?sort=-score",
    "/countries/?sort=coverage&q=a",
    "/countries/?sort=-score&format=csv&table=countries",
    "/countries/JO/?sort=-level",
    "/countries/MA/?sort=-evidence&q=a&format=csv&table=measures",
    "/measures/?sort=-score",
    "/measures/?sort=-coverage&format=csv&table=measures",
    "/measures/13/?sort=-level&pairs-sort=-evidence",
    "/measures/13/?pairs-sort=-level&format=csv&table=pairs",
    "/measures/13/?sort=-date&format=csv&table=countries",
    "/initiatives/?sort=-start",
    "/initiatives/?q=a&format=csv&table=initiatives",
    "/initiatives/5plus5/?sort=-score",
    "/initiatives/5plus5/?sort=-coverage&format=csv&table=scores",
    "/sources/?sort=-date",
    "/sources/?sort=title&format=csv&table=sources",
    "/data-dictionary/",
]
# What the cleared viewer must see move (one probe per kind of write).
MOVES = [
    "/countries/?sort=-score",  # Jordan's coverage, hence its rank
    "/measures/13/?pairs-sort=-level&format=csv&table=pairs",  # a pair's level
    "/sources/?sort=title&format=csv&table=sources",  # the hidden source
    "/initiatives/?q=a&format=csv&table=initiatives",  # the hidden initiative
    "/initiatives/5plus5/?sort=-coverage&format=csv&table=scores",  # the hidden member
]


def observe(user):
    browser = Client()
    browser.force_login(user)
    return {path: response_bytes(browser.get(path)) for path in PAGES}


def hidden_writes(users):
    """Confidential rows, above a public or restricted reader."""
    secret = marking("confidential")
    # Jordan: ten more measures rated, so 11 of 20 — well covered for those cleared.
    plant(users.admin, cell_at(1, "JO"), "implemented", D(2020, 1, 1), marking=secret)
    for number in (4, 5, 6, 7, 10, 11, 12, 15, 16, 17):
        assess(users.admin, cell_at(number, "JO"), "partial", D(2020, 1, 1), marking=secret)
    # A pair's level on the hotline measure.
    plant(users.admin, cell_at(13, "DZ", "MA"), "implemented", D(2021, 1, 1), marking=secret)
    # A source sorting first by title, an initiative sorting first by name.
    SourceFactory(key="aaa-hidden", title="Aaa hidden report", marking=secret)
    system = services.system_actor()
    hidden = services.save_reference(
        system,
        Initiative(
            slug="aaa-hidden",
            name_en="Aaa hidden accord",
            name_fr="Accord caché",
            kind="accord",
            started_on=D(2019, 1, 1),
            start_precision="year",
            marking=secret,
        ),
    )
    assert hidden.pk
    # Jordan as a hidden member of 5+5.
    services.save_reference(
        system,
        Membership(
            country=Country.objects.get(pk="JO"),
            initiative=Initiative.objects.get(slug="5plus5"),
            role="observer",
            start=D(2015, 1, 1),
            start_precision="year",
            marking=secret,
        ),
    )


def test_hidden_writes_move_nothing_in_the_tables(users):
    viewers = [users.reader, users.restricted_reader]
    before = {u.username: observe(u) for u in viewers}
    cleared_before = observe(users.admin)
    hidden_writes(users)
    for user in viewers:
        after = observe(user)
        for path in PAGES:
            assert after[path] == before[user.username][path], (user.username, path)
    # Not vacuous: whoever is cleared sees each write move these tables.
    cleared_after = observe(users.admin)
    for path in MOVES:
        assert cleared_after[path] != cleared_before[path], path
    ranked = cleared_after["/countries/?sort=-score"].decode()
    jordan = ranked[ranked.index('href="/countries/JO/"') :]
    row = jordan[: jordan.index("</tr>")]
    assert "11/20 rated" in row and "low coverage" not in row
