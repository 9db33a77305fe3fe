"""No page shows a reader what they are not cleared for: crawl the site as them."""

import datetime

import pytest
from django.urls import reverse

from measures import services
from tests.api_helpers import client as api_client
from tests.factories import EvidenceFactory, assess, cell_at, marking
from tests.pages.helpers import CANARY, CANARY_SOURCE_TITLE, crawl, plant_canary

pytestmark = pytest.mark.django_db

D = datetime.date

# Text that exists only in confidential rows of the seed (source 001, the NATO cable).
SEED_SECRETS = ["PPC-DS(2012)0009", "CSDN", "Partnership Action Plan against Terrorism"]


def follow(url):
    # Every page but the hundreds of cell pages, whose content the other pages
    # already summarise; the canary's cell is read explicitly.
    return not url.startswith("/cells/") and "format=csv" not in url


def test_a_public_reader_finds_no_confidential_item_on_any_page(client, users):
    planted = plant_canary(users)
    client.force_login(users.reader)
    cell_url = reverse("cell", args=[planted.cell.pk])
    start = [
        "/",
        "/?as_of=2011-06-30",
        cell_url,
        "/measures/",
        "/countries/",
        "/initiatives/",
        "/sources/",
        "/account/",
    ]
    pages = crawl(client, start, follow=follow)
    assert len(pages) > 100
    csv_urls = [
        "/?format=csv&table=heatmap",
        cell_url + "?format=csv&table=history",
        cell_url + "?format=csv&table=evidence",
        "/countries/MA/?format=csv&table=evidence",
        "/countries/MA/?format=csv&table=measures",
        "/countries/MA/?format=csv&table=initiatives",
        "/measures/11/?format=csv&table=history",
        "/sources/?format=csv&table=sources",
        "/initiatives/?format=csv&table=initiatives",
    ]
    for url in csv_urls:
        pages[url] = client.get(url)
    for url, response in pages.items():
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        for secret in [CANARY, CANARY_SOURCE_TITLE, "CONFIDENTIAL", *SEED_SECRETS]:
            assert secret not in body, (url, secret)
    # The canary's cell shows the public level, not the confidential one.
    assert pages[cell_url].context["fresh"].level == "under_discussion"
    # ... and the reader's version of it counts the public assessments only.
    cleared = planted.cell.version_for(users.moroccan_analyst)
    assert pages[cell_url].context["fresh"].version == cleared - 1
    assert f"Cell version {cleared - 1}." in pages[cell_url].content.decode()
    evidence_url = reverse("evidence", args=[planted.evidence.public_id])
    assert client.get(evidence_url).status_code == 404
    assert client.get(reverse("source", args=["canary-source"])).status_code == 404


def test_a_cleared_reader_sees_the_canary_and_its_marking(client, users):
    planted = plant_canary(users)
    client.force_login(users.moroccan_analyst)
    page = client.get(reverse("cell", args=[planted.cell.pk]))
    body = page.content.decode()
    assert CANARY in body and "CONFIDENTIAL — releasable to MA" in body
    assert page.context["fresh"].level == "agreed"
    # Every assessment counts for them, the canary's included.
    assert page.context["fresh"].version == planted.cell.version_for(users.moroccan_analyst)
    assert page.context["fresh"].version == planted.cell.version_for(users.reader) + 1
    assert client.get(reverse("evidence", args=[planted.evidence.public_id])).status_code == 200
    # The seed's own secrets exist for those cleared (so the crawl above is not vacuous).
    client.force_login(users.analyst)
    seen = client.get("/sources/001/").content.decode()
    seen += client.get("/initiatives/pap-t/").content.decode()
    assert all(secret in seen for secret in SEED_SECRETS)
    # A French analyst with the same clearance is not on the releasable-to list.
    client.force_login(users.french_analyst)
    body = client.get(reverse("cell", args=[planted.cell.pk])).content.decode()
    assert CANARY not in body


def test_the_heat_map_level_follows_the_viewer(client, users):
    plant_canary(users)

    def level(user):
        client.force_login(user)
        groups = client.get("/?region=maghreb").context["groups"]
        row = next(r for g in groups for r in g["rows"] if r["iso"] == "MA")
        return row["cells"][10]["level"]

    assert level(users.reader) == "under_discussion"
    assert level(users.moroccan_analyst) == "agreed"


def test_an_assessment_names_only_the_evidence_the_reader_may_see_since(client, users):
    """A retracted assessment holds no re-marking back: the evidence it cited
    may go up above a reader who still sees the assessment. Its page, its
    history download and the API then name none of that evidence."""
    cell = cell_at(11, "MA")
    evidence = EvidenceFactory(summary_en="Hotline tested", cells=[cell])
    cited = assess(users.admin, cell, "partial", D(2012, 6, 1), evidence=[evidence])
    services.retract_assessment(
        users.admin, cited, reason="Wrong cell.", expected_version=cell.version_for(users.admin)
    )
    handle = str(evidence.public_id)
    client.force_login(users.reader)
    history = reverse("cell", args=[cell.pk]) + "?format=csv&table=history"
    assert handle in client.get(history).content.decode()  # the control: seen while public

    services.remark_evidence(
        users.admin, evidence, marking("confidential", "MA"), expected_version=evidence.version
    )

    assert handle not in client.get(history).content.decode()
    assert handle not in client.get(reverse("cell", args=[cell.pk])).content.decode()
    api = api_client(users.reader).get(f"/api/v1/assessments/{cited.public_id}/")
    assert api.status_code == 200 and api.json()["evidence"] == []
