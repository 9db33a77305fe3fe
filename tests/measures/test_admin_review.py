"""The admin under the default review policy: recording a change of level
(the add form, the bulk action) sends it for review; proposals are listed
read-only, each viewer seeing only those they may see."""

import pytest

from measures.audit.revisions import latest_revision
from measures.models import Assessment, Cell, Proposal
from tests.factories import cell_at, make_user
from tests.measures.test_admin import apply_fields, assessment_post, bulk_post, texts, url

pytestmark = pytest.mark.django_db


def test_the_add_form_sends_a_change_of_level_for_review(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    before = Assessment.objects.count()
    response = client.post(url(Assessment, "add"), assessment_post(cell, users.editor))
    proposal = Proposal.objects.get(cell=cell)
    assert response.status_code == 302
    assert response["Location"] == url(Proposal, "change", proposal.public_id)
    assert "Sent for review" in texts(response)
    assert Assessment.objects.count() == before
    page = client.get(response["Location"])
    assert page.status_code == 200 and "partial" in page.content.decode()


def test_the_bulk_action_sends_changes_for_review_in_one_revision(client, users):
    cells = [cell_at(6, "DZ"), cell_at(6, "MA")]
    client.force_login(users.editor)
    page = client.post(url(Cell, "changelist"), {**bulk_post(cells), "index": 0})
    form = page.context["form"]
    versions = {pk: form[f"version_{pk}"].value() for pk in form.version_keys}
    start = latest_revision()
    response = client.post(url(Cell, "changelist"), bulk_post(cells, **apply_fields(versions)))
    assert response.status_code == 302
    assert "Sent 2 changes for review" in texts(response)
    assert Proposal.objects.filter(cell__in=cells).count() == 2
    assert latest_revision() == start + 1
    assert not Assessment.objects.filter(revision=start + 1).exists()


def test_the_proposal_admin_is_read_only_and_shows_only_visible_proposals(client, users):
    cell = cell_at(17, "DZ")
    client.force_login(users.editor)
    client.post(url(Assessment, "add"), assessment_post(cell, users.editor))
    proposal = Proposal.objects.get()
    tunisian = make_user("editor_tn", role="editor", clearance="confidential", countries=["TN"])
    tunisian.is_staff = True
    tunisian.save()
    client.force_login(tunisian)
    assert client.get(url(Proposal, "changelist")).context["cl"].result_count == 0
    assert client.get(url(Proposal, "change", proposal.public_id)).status_code == 404
    client.force_login(users.admin)
    listing = client.get(url(Proposal, "changelist"))
    assert listing.context["cl"].result_count == 1
    page = client.get(url(Proposal, "change", proposal.public_id))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
