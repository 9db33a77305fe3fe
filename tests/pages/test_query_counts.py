"""Page query counts do not grow with the data: pinned at the seed size and with
45 more countries (and their cells and assessments)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from countries.models import Country
from measures import services
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db


def add_countries(n, users):
    system = services.system_actor()
    for i in range(n):
        a, b = divmod(i, 26)
        iso2 = f"Q{chr(65 + b)}" if a == 0 else f"X{chr(65 + b)}"
        country = Country(
            iso2=iso2, iso3=f"Z{chr(65 + a)}{chr(65 + b)}", name_en=f"Land {i}", name_fr=f"Pays {i}"
        )
        services.save_reference(system, country)
        assess(users.admin, cell_at(5, iso2), "partial", datetime.date(2011, 1, 1))
        assess(users.admin, cell_at(17, iso2), "agreed", datetime.date(2012, 1, 1))


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = [
    "/",
    "/?as_of=2011-06-30&domain=military",
    "/?initiative=cemoc&as_of=2012-06-30",
    "/countries/DZ/",
    "/measures/17/",
    "/measures/2/",
    "/initiatives/5plus5/",
]


def test_page_queries_do_not_grow_with_the_number_of_countries(client, users):
    client.force_login(users.reader)
    small = {url: count(client, url) for url in PAGES}
    add_countries(45, users)
    client.force_login(users.reader)
    large = {url: count(client, url) for url in PAGES}
    assert large == small
    assert Country.objects.count() >= 70


@pytest.mark.parametrize("countries", [0, 45])
def test_heat_map_query_count_is_pinned(client, users, django_assert_num_queries, countries):
    if countries:
        add_countries(countries, users)
    client.force_login(users.reader)
    client.get("/")  # warm the session and the viewer
    # 13: one of them reads each measure's reporting cadence (the overdue marks).
    with django_assert_num_queries(13):
        response = client.get("/")
    rows = sum(len(g["rows"]) for g in response.context["groups"])
    assert rows == min(Country.objects.count(), 50)
    with django_assert_num_queries(13):
        client.get("/?page=2&as_of=2012-01-01")
