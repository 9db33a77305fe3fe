"""The data-quality report as a page for analysts: the same checks as
`manage.py check_data`, through the visibility rule, translated."""

import datetime

import pytest
from django.urls import reverse

from countries.models import Initiative, Membership
from measures.models import Marking
from tests.factories import EvidenceFactory, assess, cell_at

pytestmark = pytest.mark.django_db

PAGE = reverse("data-quality")


def test_an_analyst_reads_every_check_and_the_seed_fails_none(client, users):
    client.force_login(users.analyst)
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "No error-level check fails." in body
    assert {r.name for r in response.context["results"]} >= {"uncited_rows", "overdue_cells"}
    assert "Overdue cells" in body


def test_readers_may_not_and_visitors_log_in_first(client, users):
    client.force_login(users.reader)
    assert client.get(PAGE).status_code == 403
    client.logout()
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_finding_about_a_hidden_row_is_shown_only_to_those_cleared_for_it(client, users):
    Membership._base_manager.create(
        initiative=Initiative.objects.get(slug="cemoc"),
        country_id="TN",
        role="observer",
        note="Legacy row.",
        marking=Marking.objects.resolve("confidential", ["MA"]),
    )
    client.force_login(users.moroccan_analyst)
    seen = client.get(PAGE)
    assert "cemoc · TN (observer)" in seen.content.decode()
    # uncited, undated, and overlapping Tunisia's open "excluded" row
    assert "3 error-level checks fail." in seen.content.decode()
    client.force_login(users.french_analyst)
    unseen = client.get(PAGE)
    assert "cemoc · TN" not in unseen.content.decode()
    assert "No error-level check fails." in unseen.content.decode()


def test_the_page_is_in_french_and_its_findings_download_as_csv(client, users):
    client.force_login(users.analyst)
    french = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "Qualité des données" in french and "Cellules en retard" in french
    csv = client.get(PAGE, {"format": "csv", "table": "findings"})
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0] == "check,level,row,detail"
    assert any(line.startswith("overdue_cells,warning,") for line in lines[1:])


def test_the_cell_page_flags_a_level_on_no_evidence_or_on_later_evidence(client, users):
    cell = cell_at(4, "DZ")
    later = EvidenceFactory(cells=[cell], occurred_on=datetime.date(2012, 3, 1))
    assess(users.admin, cell, "agreed", datetime.date(2011, 1, 1), evidence=[later])
    assess(users.admin, cell, "partial", datetime.date(2013, 1, 1))
    client.force_login(users.analyst)
    body = client.get(reverse("cell", args=[cell.pk])).content.decode()
    assert "1 item dated after this assessment" in body
    assert "No evidence you may see" in body
    french = client.get(reverse("cell", args=[cell.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "1 élément daté après cette évaluation" in french.content.decode()
