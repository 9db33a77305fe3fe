"""Every page renders for every role, hidden objects answer 404, anonymous visitors log in."""

import pytest
from django.urls import reverse

from countries.models import Initiative
from measures.models import Evidence, Source
from measures.pages import overview
from tests.factories import cell_at

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/?as_of=2009-06-30",
    "/?initiative=cemoc&as_of=2012-06-30",
    "/?region=sahel&domain=military",
    "/?page=2",
    "/how-scores-work/",
    "/measures/",
    "/measures/2/",
    "/measures/17/",
    "/measures/20/",
    "/measures/20/?as_of=2011-01-01",
    "/countries/",
    "/countries/DZ/",
    "/countries/ma/",
    "/countries/FR/?as_of=2010-01-01",
    "/initiatives/",
    "/initiatives/cemoc/",
    "/initiatives/5plus5/?as_of=2008-01-01",
    "/sources/",
    "/sources/000/",
    "/account/",
]
ROLES = ["reader", "restricted_reader", "analyst", "editor", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(client, users, role):
    client.force_login(getattr(users, role))
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'<main id="main"' in response.content, url
    for number, country, partner in [(17, "DZ", None), (2, "DZ", "MA"), (11, "MA", None)]:
        response = client.get(reverse("cell", args=[cell_at(number, country, partner).pk]))
        assert response.status_code == 200
    evidence = Evidence.objects.visible_to(getattr(users, role)).first()
    assert client.get(reverse("evidence", args=[evidence.public_id])).status_code == 200
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404  # no internal ids


def test_anonymous_visitors_are_sent_to_log_in(client, users):
    response = client.get("/countries/DZ/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/countries/DZ/")
    assert client.get("/how-scores-work/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/account/").status_code == 302


def test_with_public_reading_anonymous_visitors_read_public_data(client, settings, users):
    settings.CBM_PUBLIC_READ = True
    for url in ["/", "/countries/MA/", "/measures/17/", "/initiatives/cemoc/", "/sources/000/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"CONFIDENTIAL" not in response.content, url
    assert client.get("/sources/001/").status_code == 404
    assert client.get("/initiatives/pap-t/").status_code == 404
    assert client.get("/account/").status_code == 302


def test_hidden_objects_answer_404_to_those_not_cleared(client, users):
    client.force_login(users.reader)
    confidential = Evidence.objects.filter(marking__level="confidential").first()
    assert client.get(reverse("evidence", args=[confidential.public_id])).status_code == 404
    assert client.get("/sources/001/").status_code == 404
    assert Initiative.objects.get(slug="pap-t").marking is not None
    assert client.get("/initiatives/pap-t/").status_code == 404
    assert client.get("/evidence/999999/").status_code == 404
    assert client.get("/evidence/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/countries/XX/").status_code == 404
    assert client.get("/measures/99/").status_code == 404
    assert client.get("/measures/99999999/").status_code == 404
    assert client.get("/cells/99999999/").status_code == 404


def test_cleared_users_see_marked_items_with_their_banner(client, users):
    client.force_login(users.analyst)
    response = client.get("/initiatives/pap-t/")
    assert response.status_code == 200
    assert "CONFIDENTIAL — releasable to MA, nato" in response.content.decode()
    source = Source.objects.get(key="001")
    page = client.get(reverse("source", args=[source.key])).content.decode()
    assert 'class="marking marking-confidential block"' in page
    assert "This page shows items marked up to" in page


def test_bad_filters_are_shown_not_crashed_on(client, users):
    client.force_login(users.reader)
    response = client.get("/?as_of=not-a-date&region=nowhere&initiative=pap-t&domain=x")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"as_of", "region", "initiative", "domain"}
    assert client.get("/countries/DZ/?as_of=31-12-2010").status_code == 200
    assert client.get("/?page=999").status_code == 200
    assert client.get("/?page=abc").status_code == 200


def test_a_large_heat_map_is_paged_by_rows_and_columns(client, users, monkeypatch):
    monkeypatch.setattr(overview, "PAGE_SIZE", 10)
    monkeypatch.setattr(overview, "COLUMNS_PER_PAGE", 8)
    client.force_login(users.reader)
    first = client.get("/")
    assert [m["number"] for m in first.context["measures"]] == list(range(1, 9))
    assert sum(len(g["rows"]) for g in first.context["groups"]) == 10
    assert first.context["paginator"].num_pages == 3
    last = client.get("/?columns=3&page=3")
    assert [m["number"] for m in last.context["measures"]] == list(range(17, 21))
    rows = [r for g in last.context["groups"] for r in g["rows"]]
    assert len(rows) == 7
    # The score column covers every measure, whatever columns are shown.
    first_rows = {r["iso"]: r["score"] for g in first.context["groups"] for r in g["rows"]}
    last_columns = client.get("/?columns=3").context["groups"]
    assert first_rows == {r["iso"]: r["score"] for g in last_columns for r in g["rows"]}
    assert any(score is not None for score in first_rows.values())
    assert all(len(r["cells"]) == 4 for r in rows)
    assert 'aria-label="Pages of measures"' in last.content.decode()
