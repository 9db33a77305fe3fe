"""Every table of a page downloads as CSV, with formula-like cells neutralised."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at
from tests.pages.helpers import links

pytestmark = pytest.mark.django_db

INJECTION = '=HYPERLINK("http://evil.example","click")'


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_formula_like_cells_are_neutralised(client, users):
    cell = cell_at(11, "DZ")
    source = SourceFactory(key="inj", title="+cmd|' /C calc'!A0")
    evidence = EvidenceFactory(source=source, summary_en=INJECTION, locator="-2+3", cells=[cell])
    assess(users.admin, cell, "agreed", "2012-01-01", evidence=[evidence], rationale="@SUM(A1)")
    client.force_login(users.reader)
    table = rows(client.get(reverse("cell", args=[cell.pk]) + "?format=csv&table=evidence"))
    assert table[0][:3] == ["id", "occurred_on", "summary"]
    assert table[1][2] == "'" + INJECTION
    assert table[1][4] == "'-2+3"
    history = rows(client.get(reverse("cell", args=[cell.pk]) + "?format=csv&table=history"))
    assert history[1][5] == "'@SUM(A1)"
    # Evidence is named by its public id, never its sequential one.
    assert table[1][0] == str(evidence.public_id)
    assert history[0][6] == "evidence" and history[1][6] == str(evidence.public_id)
    sources = rows(client.get("/sources/?format=csv&table=sources"))
    assert ["'+cmd|' /C calc'!A0", "inj"] in [r[:2] for r in sources]
    for row in sources + table + history:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), value


def test_every_csv_link_on_the_main_pages_downloads_its_table(client, users):
    client.force_login(users.analyst)
    pages = [
        "/",
        "/measures/",
        "/measures/20/",
        "/measures/2/",
        "/countries/",
        "/countries/DZ/",
        "/initiatives/",
        "/initiatives/cemoc/",
        "/sources/",
        "/sources/001/",
        reverse("cell", args=[cell_at(17, "DZ").pk]),
    ]
    downloaded = 0
    for url in pages:
        page = client.get(url)
        hrefs = [h for h in links(page.content.decode()) if "format=csv" in h]
        assert hrefs, url
        for href in hrefs:
            table = rows(client.get(url.split("?")[0] + href.replace("&amp;", "&")))
            assert table and table[0], (url, href)
            downloaded += 1
    assert downloaded >= 25


def test_the_heat_map_csv_has_every_filtered_country_and_measure(client, users):
    client.force_login(users.reader)
    table = rows(client.get("/?format=csv&table=heatmap&region=maghreb"))
    assert table[0][:3] == ["country", "score", "measure_1"]
    assert len(table[0]) == 22
    assert sorted(r[0] for r in table[1:]) == ["DZ", "LY", "MA", "MR", "TN"]


def test_an_unknown_table_is_a_404(client, users):
    client.force_login(users.reader)
    assert client.get("/countries/DZ/?format=csv&table=nope").status_code == 404
