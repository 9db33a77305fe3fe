"""The "My week" page: what an editor sees, the filters in the URL, and the
bulk actions — still true today for the selected (or all due) cells, and one
level on the same evidence — each one transaction, a stale cell named."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.audit.revisions import latest_revision
from measures.models import Assessment
from tests.factories import EvidenceFactory, assess, cell_at, make_user

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
WEEK = "/week/"


def shown(response):
    """{cell id: version} of the rows on the page, from their hidden inputs."""
    html = response.content.decode()
    return {int(pk): int(v) for pk, v in re.findall(r'name="version-(\d+)" value="(\d+)"', html)}


def due_shown(response):
    return [int(pk) for pk in re.findall(r'name="due" value="(\d+)"', response.content.decode())]


def bulk(page, *, action="reconfirm", cells=(), **fields):
    """The bulk form as the page sent it: every row's version, the due rows
    marked, and the rows ``cells`` ticked."""
    versions = page if isinstance(page, dict) else shown(page)
    due = [] if isinstance(page, dict) else due_shown(page)
    data = {"action": action, "cell": [str(pk) for pk in cells], "due": [str(pk) for pk in due]}
    data.update({f"version-{pk}": str(v) for pk, v in versions.items()})
    data.update(fields)
    return data


def test_the_week_shows_scope_clearance_and_the_due_cells_earliest_first(client, users):
    client.force_login(users.editor)
    response = client.get(WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your scope: DZ, MA." in html
    assert "Your clearance: restricted." in html
    rows = response.context["rows"]
    assert rows and [r.cell.due_on for r in rows] == sorted(r.cell.due_on for r in rows)
    assert set(shown(response)) == {r.cell.pk for r in rows}
    assert f'href="{WEEK}"' in client.get("/").content.decode()  # in the menu


def test_readers_and_analysts_have_no_week(client, users):
    for user in (users.reader, users.analyst):
        client.force_login(user)
        assert client.get(WEEK).status_code == 404
        assert f'href="{WEEK}"' not in client.get("/").content.decode()
    client.logout()
    assert client.get(WEEK).status_code == 302  # to the login page


def test_filters_are_in_the_url(client, users):
    client.force_login(users.editor)
    response = client.get(WEEK, {"country": "MA", "measure": "6", "state": "overdue"})
    rows = response.context["rows"]
    assert [(r.cell.measure.number, r.cell.country_id) for r in rows] == [(6, "MA")]
    assert client.get(WEEK, {"domain": "military"}).context["rows"]
    assert client.get(WEEK, {"state": "review"}).context["rows"] == []


@time_machine.travel(NOW, tick=False)
def test_still_true_today_for_all_due_cells_is_one_post_and_one_revision(client, users):
    client.force_login(users.editor)
    page = client.get(WEEK)
    due = due_shown(page)
    assert len(due) >= 10
    start = latest_revision()
    response = client.post(
        WEEK, bulk(page, **{"reconfirm-reason": "Desk check.", "reconfirm-all_due": "on"})
    )
    assert response.status_code == 302 and response["Location"] == WEEK
    assert latest_revision() == start + 1
    written = Assessment.objects.filter(revision=start + 1)
    assert sorted(written.values_list("cell_id", flat=True)) == sorted(due)
    assert set(written.values_list("effective_on", "rationale_en")) == {
        (D(2026, 11, 20), "Desk check.")
    }
    after = client.get(WEEK)
    assert f"Reconfirmed {len(due)} cells: still true today." in after.content.decode()
    assert not any(r.is_due for r in after.context["rows"])


@time_machine.travel(NOW, tick=False)
def test_only_the_ticked_cells_are_reconfirmed_with_the_reason_in_the_page_language(client, users):
    client.force_login(users.editor)
    page = client.get(WEEK)
    ticked = due_shown(page)[:2]
    client.post("/i18n/setlang/", {"language": "fr", "next": WEEK})
    response = client.post(WEEK, bulk(page, cells=ticked, **{"reconfirm-reason": "Vérifié."}))
    assert response.status_code == 302
    written = Assessment.objects.filter(revision=latest_revision())
    assert sorted(written.values_list("cell_id", flat=True)) == sorted(ticked)
    assert set(written.values_list("rationale_fr", "rationale_en")) == {("Vérifié.", "")}


def test_a_stale_cell_refuses_the_batch_and_is_named(client, users):
    client.force_login(users.editor)
    page = client.get(WEEK)
    due = due_shown(page)
    stale = next(r.cell for r in page.context["rows"] if r.cell.pk == due[1])
    assess(users.admin, stale, "implemented", D(2013, 1, 1), rationale="First.")
    before = Assessment.objects.count()
    response = client.post(
        WEEK, bulk(page, **{"reconfirm-reason": "Fine.", "reconfirm-all_due": "on"})
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this since you opened it" in html and str(stale) in html
    assert Assessment.objects.count() == before
    assert "Fine." in html  # the reason typed is kept


def test_a_bulk_action_needs_a_reason_and_a_selection(client, users):
    client.force_login(users.editor)
    page = client.get(WEEK)
    before = Assessment.objects.count()
    no_reason = client.post(WEEK, bulk(page, **{"reconfirm-all_due": "on"}))
    assert no_reason.status_code == 400
    nothing = client.post(WEEK, bulk(page, **{"reconfirm-reason": "x"}))
    assert nothing.status_code == 400
    assert "Select at least one cell." in nothing.content.decode()
    assert Assessment.objects.count() == before


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_same_level_with_the_same_evidence_for_the_selected_cells(client, users):
    evidence = EvidenceFactory(summary_en="Joint communiqué", cells=[cell_at(11, "DZ")])
    client.force_login(users.editor)
    page = client.get(WEEK)
    assert page.context["assess_form"]["level"].value() in (None, "")  # nothing preselected
    ticked = due_shown(page)[:3]
    start = latest_revision()
    response = client.post(
        WEEK,
        bulk(
            page,
            action="assess",
            cells=ticked,
            **{
                "assess-level": "agreed",
                "assess-effective_on": "2013-05-01",
                "assess-evidence": [str(evidence.public_id)],
                "assess-rationale": "Agreed jointly.",
            },
        ),
    )
    assert response.status_code == 302
    written = list(Assessment.objects.filter(revision=start + 1))
    assert sorted(a.cell_id for a in written) == sorted(ticked)
    assert all(a.level == "agreed" and list(a.evidence.all()) == [evidence] for a in written)
    assert "Recorded agreed for 3 cells." in client.get(WEEK).content.decode()


def test_an_editor_out_of_scope_cannot_slip_a_cell_into_the_batch(client, users):
    client.force_login(users.editor)
    page = client.get(WEEK)
    outside = cell_at(17, "ML")
    versions = {**shown(page), outside.pk: outside.version_for(users.editor)}
    before = Assessment.objects.count()
    response = client.post(WEEK, bulk(versions, cells=[outside.pk], **{"reconfirm-reason": "x"}))
    assert response.status_code == 403
    assert "ML" in response.content.decode()
    assert Assessment.objects.count() == before


def test_the_page_costs_the_same_queries_for_one_cell_as_for_many(
    client, users, django_assert_max_num_queries
):
    small = make_user("editor_mt", role="editor", clearance="restricted", countries=["MT"])
    assess(users.admin, cell_at(17, "MT"), "agreed", D(2012, 1, 1))
    counts = {}
    for user in (small, users.admin):
        client.force_login(user)
        client.get(WEEK)
        with CaptureQueriesContext(connection) as queries:
            rows = client.get(WEEK).context["rows"]
        counts[user.username] = (len(queries), len(rows))
    assert counts["admin_all"][1] > 10 * counts["editor_mt"][1] >= 10
    assert counts["admin_all"][0] == counts["editor_mt"][0]
    client.force_login(users.admin)
    with django_assert_max_num_queries(counts["admin_all"][0]):
        client.get(WEEK)
