"""The review pages: a change recorded on the cell page is sent for review;
/proposals/ lists what awaits the user and their own; a proposal's page
shows the current level beside the proposed one; decisions post and come back."""

import pytest
from django.urls import reverse

from measures.models import Cell, Proposal
from tests.factories import cell_at, make_user
from tests.pages.test_staff_workflow import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return make_user("editor_dz2", role="editor", clearance="restricted", countries=["DZ"])


def record_change(client, user, cell, level="implemented"):
    client.force_login(user)
    return client.post(reverse("cell", args=[cell.pk]), form_data(cell, user, level=level))


def test_a_change_of_level_on_the_cell_page_is_sent_for_review(client, users):
    cell = cell_at(11, "DZ")
    before = Cell.objects.with_level(users.editor).get(pk=cell.pk).level
    response = record_change(client, users.editor, cell)
    proposal = Proposal.objects.get(cell=cell)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal", args=[proposal.public_id])
    page = client.get(response["Location"])
    assert "Sent for review" in page.content.decode()
    assert Cell.objects.with_level(users.editor).get(pk=cell.pk).level == before


def test_the_proposal_page_shows_the_current_level_beside_the_proposed_one(client, users, reviewer):
    cell = cell_at(11, "DZ")
    record_change(client, users.editor, cell)
    proposal = Proposal.objects.get(cell=cell)
    client.force_login(reviewer)
    page = client.get(reverse("proposal", args=[proposal.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    current = Cell.objects.with_level(reviewer).get(pk=cell.pk).level
    assert f"lv-{current}" in text.split('id="current-level"')[1].split("</dd>")[0]
    assert "lv-implemented" in text.split('id="proposed-level"')[1].split("</dd>")[0]
    assert reverse("proposal-approve", args=[proposal.public_id]) in text


def test_the_review_list_and_the_nav_count_what_awaits_the_user(client, users, reviewer):
    record_change(client, users.editor, cell_at(11, "DZ"))
    record_change(client, users.editor, cell_at(12, "MA"))  # not the Algerian reviewer's
    client.force_login(reviewer)
    page = client.get(reverse("proposals"))
    assert page.context["awaiting"][0].cell == cell_at(11, "DZ")
    assert len(page.context["awaiting"]) == 1
    assert "Review (1)" in page.content.decode()
    client.force_login(users.editor)
    page = client.get(reverse("proposals"))
    assert page.context["awaiting"] == [] and len(page.context["own"]) == 2
    assert "Review (0)" in page.content.decode()


def test_readers_get_no_review_link_and_no_proposal(client, users):
    record_change(client, users.editor, cell_at(11, "DZ"))
    proposal = Proposal.objects.get()
    client.force_login(users.reader)
    assert 'id="nav-review"' not in client.get("/").content.decode()
    assert client.get(reverse("proposal", args=[proposal.public_id])).status_code == 404
    response = client.post(
        reverse("proposal-approve", args=[proposal.public_id]), {"version": proposal.version}
    )
    assert response.status_code == 404
    assert Proposal.objects.get().state == "open"


def test_approve_publishes_and_comes_back_to_the_list(client, users, reviewer):
    cell = cell_at(11, "DZ")
    record_change(client, users.editor, cell)
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    response = client.post(
        reverse("proposal-approve", args=[proposal.public_id]), {"version": 1}, follow=True
    )
    assert "Approved" in response.content.decode()
    assert Cell.objects.with_level(users.reader).get(pk=cell.pk).level == "implemented"


def test_return_needs_a_comment_then_the_author_proposes_again(client, users, reviewer):
    cell = cell_at(11, "DZ")
    record_change(client, users.editor, cell)
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    url = reverse("proposal-return", args=[proposal.public_id])
    refused = client.post(url, {"version": 1, "comment": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    client.post(url, {"version": 1, "comment": "Which communiqué?"})
    client.force_login(users.editor)
    page = client.get(reverse("proposal", args=[proposal.public_id]))
    assert "Which communiqué?" in page.content.decode()
    form = page.context["repropose_form"]
    response = client.post(
        reverse("proposal-repropose", args=[proposal.public_id]),
        {
            **{k: form.initial[k] for k in ("cell_version", "level", "rationale_en")},
            "effective_on": "2019-01-01",
            "rationale_fr": "",
        },
    )
    again = Proposal.objects.get(supersedes=proposal)
    assert response["Location"] == reverse("proposal", args=[again.public_id])
    assert again.state == "open" and str(again.effective_on) == "2019-01-01"


def test_the_author_withdraws_but_cannot_approve(client, users):
    record_change(client, users.editor, cell_at(11, "DZ"))
    proposal = Proposal.objects.get()
    refused = client.post(reverse("proposal-approve", args=[proposal.public_id]), {"version": 1})
    assert refused.status_code == 403
    client.post(reverse("proposal-withdraw", args=[proposal.public_id]), {"version": 1})
    assert Proposal.objects.get().state == "withdrawn"


def test_a_stale_decision_shows_the_proposal_again(client, users, reviewer):
    record_change(client, users.editor, cell_at(11, "DZ"))
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    response = client.post(reverse("proposal-approve", args=[proposal.public_id]), {"version": 5})
    assert response.status_code == 409
    assert Proposal.objects.get().state == "open"


def test_with_review_off_the_cell_page_publishes_at_once(client, users, review_off):
    cell = cell_at(11, "DZ")
    response = record_change(client, users.editor, cell)
    assert response["Location"] == reverse("cell", args=[cell.pk])
    assert not Proposal.objects.exists()
