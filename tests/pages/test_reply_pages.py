"""Right of reply on the pages: a respondent replies from the cell page of
their country; the reply is shown beside the assessment, in the page's
language, under the page's marking banner."""

import datetime

import pytest
from django.urls import reverse

from measures import services
from measures.models import Reply
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def liaison(db):
    return make_user("liaison_ma", role="respondent", clearance="restricted", countries=["MA"])


@pytest.fixture
def answered(users):
    return assess(users.editor, cell_at(11, "MA"), "partial", D(2013, 2, 1), rationale="Half.")


def reply_url(assessment):
    return reverse("reply", args=[assessment.public_id])


def test_a_respondent_sees_a_reply_link_on_their_countrys_cell_and_replies(
    client, liaison, answered
):
    cell = cell_at(11, "MA")
    client.force_login(liaison)
    page = client.get(reverse("cell", args=[cell.pk]))
    html = page.content.decode()
    assert page.context["may_reply"] is True
    assert f'href="{reply_url(answered)}"' in html
    assert page.context["form"] is None  # a respondent records nothing

    form = client.get(reply_url(answered))
    assert form.status_code == 200
    assert "Half." in form.content.decode()
    sent = client.post(
        reply_url(answered),
        {"text_en": "", "text_fr": "Le registre a été publié en 2013.", "marking": ""},
    )
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("cell", args=[cell.pk]))
    reply = Reply.objects.get()
    assert (reply.country_id, reply.text_fr, reply.marking) == (
        "MA",
        "Le registre a été publié en 2013.",
        marking("public"),
    )
    shown = client.get(sent["Location"]).content.decode()
    assert "Reply of Morocco" in shown
    assert "Le registre a été publié en 2013." in shown  # no English: the French is shown


def test_the_reply_shows_in_the_pages_language(client, users, liaison, answered):
    services.reply_to_assessment(
        liaison, answered, text_en="The register is out.", text_fr="Le registre est publié."
    )
    client.force_login(users.reader)
    path = reverse("cell", args=[cell_at(11, "MA").pk])
    english = client.get(path).content.decode()
    assert "The register is out." in english and "Le registre est publié." not in english
    client.cookies["django_language"] = "fr"
    french = client.get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Le registre est publié." in french and "The register is out." not in french
    assert "Réponse de Maroc" in french


def test_a_marked_reply_raises_the_page_banner_for_those_who_see_it(
    client, users, liaison, answered
):
    evidence = EvidenceFactory(
        source=SourceFactory(marking=marking("restricted")), cells=[cell_at(12, "MA")]
    )
    services.reply_to_assessment(liaison, answered, text_en="Restricted.", evidence=[evidence])
    path = reverse("cell", args=[cell_at(11, "MA").pk])
    client.force_login(users.editor)
    page = client.get(path)
    assert page.context["page_marking"] == marking("restricted")
    assert "Restricted." in page.content.decode()
    client.force_login(users.reader)
    page = client.get(path)
    assert page.context["page_marking"] is None
    assert "Restricted." not in page.content.decode()


def test_no_reply_link_for_others_and_their_reply_is_refused(client, users, answered):
    other = make_user("liaison_dz", role="respondent", clearance="restricted", countries=["DZ"])
    path = reverse("cell", args=[cell_at(11, "MA").pk])
    for user in (users.reader, users.editor, other):
        client.force_login(user)
        assert reply_url(answered) not in client.get(path).content.decode()
        assert client.get(reply_url(answered)).status_code == 403
        assert client.post(reply_url(answered), {"text_en": "Ours."}).status_code == 403
    assert Reply.objects.count() == 0


def test_a_refused_reply_keeps_what_was_typed(client, liaison, answered):
    client.force_login(liaison)
    empty = client.post(reply_url(answered), {"text_en": " ", "text_fr": ""})
    assert empty.status_code == 400
    assert "Write the reply, in English or in French." in empty.content.decode()
    high = client.post(reply_url(answered), {"text_en": "Kept text.", "marking": "confidential"})
    assert high.status_code == 400  # not a choice above the clearance
    assert "Kept text." in high.content.decode()
    assert Reply.objects.count() == 0


def test_a_retracted_assessment_has_no_reply_link(client, users, liaison, answered):
    cell = cell_at(11, "MA")
    services.retract_assessment(
        users.editor, answered, reason="Wrong.", expected_version=cell.version_for(users.editor)
    )
    client.force_login(liaison)
    assert reply_url(answered) not in client.get(reverse("cell", args=[cell.pk])).content.decode()
    refused = client.post(reply_url(answered), {"text_en": "Late."})
    assert refused.status_code == 400
    assert "nothing to reply to" in refused.content.decode()


def test_a_hidden_assessment_has_no_reply_page(client, users, liaison):
    hidden = assess(
        users.confidential_editor,
        cell_at(11, "MA"),
        "implemented",
        D(2013, 3, 1),
        marking=marking("confidential", "MA"),
    )
    client.force_login(liaison)
    assert client.get(reply_url(hidden)).status_code == 404


def test_the_account_page_tells_a_respondent_what_they_may_do(client, liaison):
    client.force_login(liaison)
    html = client.get(reverse("account")).content.decode()
    assert "<dt>You may reply for</dt><dd>Morocco (MA)</dd>" in html
    assert "You may record for" not in html
