"""Right of reply, in the services: a respondent of the assessed country
answers an assessment; every other attempt is refused and writes nothing."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from measures import services
from measures.access import viewer_for
from measures.audit.revisions import StaleVersion, latest_revision
from measures.choices import Action
from measures.models import AudienceRevision, ChangeRecord, Reply
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user, marking

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def liaison(db):
    """Morocco's liaison: replies for MA, cleared restricted."""
    return make_user("liaison_ma", role="respondent", clearance="restricted", countries=["MA"])


@pytest.fixture
def assessment(users):
    return assess(users.editor, cell_at(11, "MA"), "partial", D(2013, 2, 1), rationale="Half.")


def footprint():
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Reply.objects.count(),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


def test_a_respondent_replies_in_french_under_one_audited_revision(liaison, assessment):
    before = latest_revision()
    reply = services.reply_to_assessment(
        liaison, assessment, text_fr="  Le Maroc a publié son registre en 2013.  "
    )
    assert reply.country_id == "MA"
    assert reply.text_fr == "Le Maroc a publié son registre en 2013."
    assert reply.text_en == ""
    assert reply.marking == marking("public")
    assert reply.revision == before + 1 == latest_revision()
    assert reply.created_by == liaison
    assert reply.version == 1
    record = ChangeRecord.objects.get(revision=reply.revision)
    assert record.action == Action.CREATE
    assert record.object_id == str(reply.pk)
    assert record.after["text_fr"] == reply.text_fr
    assert list(Reply.objects.visible_to(liaison)) == [reply]


def test_a_respondent_replies_for_a_pair_in_the_name_of_their_country(liaison, users):
    pair = cell_at(2, "DZ", "MA")
    answered = assess(users.editor, pair, "agreed", D(2013, 1, 1))
    reply = services.reply_to_assessment(liaison, answered, text_en="We agreed in 2012.")
    assert (pair.country_id, pair.partner_id) == ("DZ", "MA")
    assert reply.country_id == "MA"


@pytest.mark.parametrize("who", ["other_respondent", "editor", "admin", "reader"])
def test_only_a_respondent_of_the_country_may_reply(who, users, assessment):
    actor = (
        make_user("liaison_dz", role="respondent", clearance="restricted", countries=["DZ"])
        if who == "other_respondent"
        else getattr(users, who)
    )
    before = footprint()
    with pytest.raises(PermissionDenied):
        services.reply_to_assessment(actor, assessment, text_en="Not ours to say.")
    assert footprint() == before


def test_an_assessment_the_respondent_may_not_see_does_not_exist_for_them(liaison, users):
    hidden = assess(
        users.confidential_editor,
        cell_at(11, "MA"),
        "implemented",
        D(2013, 3, 1),
        marking=marking("confidential", "MA"),
    )
    before = footprint()
    with pytest.raises(services.NotVisible):
        services.reply_to_assessment(liaison, hidden, text_en="?")
    assert footprint() == before


def test_a_retracted_assessment_takes_no_reply(liaison, users, assessment):
    cell = cell_at(11, "MA")
    services.retract_assessment(
        users.editor, assessment, reason="Wrong.", expected_version=cell.version_for(users.editor)
    )
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.reply_to_assessment(liaison, assessment, text_en="Too late.")
    assert "assessment" in refused.value.message_dict
    assert footprint() == before


def test_a_reply_says_something(liaison, assessment):
    with pytest.raises(ValidationError) as refused:
        services.reply_to_assessment(liaison, assessment, text_en="  ", text_fr="")
    assert "text_en" in refused.value.message_dict
    assert Reply.objects.count() == 0


def test_the_default_marking_covers_the_assessment_and_the_cited_evidence(liaison, users):
    restricted = EvidenceFactory(
        source=SourceFactory(marking=marking("restricted")), cells=[cell_at(11, "MA")]
    )
    public = assess(users.editor, cell_at(11, "MA"), "partial", D(2013, 2, 1))
    assert services.reply_to_assessment(
        liaison, public, text_en="See this.", evidence=[restricted]
    ).marking == marking("restricted")
    marked = assess(
        users.editor, cell_at(12, "MA"), "agreed", D(2013, 2, 1), marking=marking("restricted")
    )
    reply = services.reply_to_assessment(liaison, marked, text_en="Noted.")
    assert reply.marking == marking("restricted")
    assert list(reply.evidence.all()) == []


def test_a_reply_is_marked_no_lower_than_what_it_answers_or_cites(liaison, users):
    marked = assess(
        users.editor, cell_at(12, "MA"), "agreed", D(2013, 2, 1), marking=marking("restricted")
    )
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.reply_to_assessment(
            liaison, marked, text_en="Public answer.", marking=("public", ())
        )
    assert "marking" in refused.value.message_dict
    assert footprint() == before


def test_a_marking_above_the_respondents_clearance_is_refused(liaison, assessment):
    before = footprint()
    with pytest.raises(PermissionDenied):
        services.reply_to_assessment(
            liaison, assessment, text_en="Secret.", marking=("confidential", ())
        )
    assert footprint() == before


def test_evidence_the_respondent_may_not_see_is_refused_like_unknown(liaison, assessment):
    hidden = EvidenceFactory(
        source=SourceFactory(marking=marking("confidential")), cells=[cell_at(11, "MA")]
    )
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.reply_to_assessment(liaison, assessment, text_en="See.", evidence=[hidden])
    assert "evidence" in refused.value.message_dict
    assert footprint() == before


def test_the_author_retracts_a_reply_with_the_version_read(liaison, assessment):
    reply = services.reply_to_assessment(liaison, assessment, text_en="First thoughts.")
    services.retract_reply(liaison, reply, reason="Sent too early.", expected_version=1)
    reply.refresh_from_db()
    assert (reply.retracted, reply.retracted_by, reply.version) == (True, liaison, 2)
    record = ChangeRecord.objects.filter(object_id=str(reply.pk)).latest("revision")
    assert record.action == Action.RETRACT
    with pytest.raises(ValidationError):
        services.retract_reply(liaison, reply, reason="Again.", expected_version=2)


def test_a_stale_or_foreign_retraction_is_refused(liaison, users, assessment):
    reply = services.reply_to_assessment(liaison, assessment, text_en="Ours.")
    colleague = make_user("liaison_ma2", role="respondent", clearance="public", countries=["MA"])
    before = footprint()
    with pytest.raises(PermissionDenied):
        services.retract_reply(colleague, reply, reason="Not mine.", expected_version=1)
    with pytest.raises(StaleVersion):
        services.retract_reply(liaison, reply, reason="Old.", expected_version=7)
    with pytest.raises(ValidationError):
        services.retract_reply(liaison, reply, reason=" ", expected_version=1)
    assert footprint() == before
    services.retract_reply(users.admin, reply, reason="Off topic.", expected_version=1)
    assert Reply.objects.get(pk=reply.pk).retracted_by == users.admin


def test_the_grant_command_makes_a_respondent_who_is_not_staff(db):
    call_command(
        "grant", "karim", "--create", "--role", "respondent", "--countries", "ma",
        stdout=StringIO(),
    )  # fmt: skip
    user = get_user_model().objects.get(username="karim")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["respondent"]
    assert list(user.groups.get().permissions.all()) == []
    viewer = viewer_for(user)
    assert viewer.is_respondent and viewer.scope == {"MA"}
    assert not viewer.is_editor
