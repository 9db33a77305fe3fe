"""Right of reply in the digest: the replies made during the week on
assessments of a followed country, each subscriber told only of those they
may see — real digests sent to a real SMTP server."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils.html import escape

from digests import content
from digests import services as digest_services
from measures import services
from measures.access import viewer_for
from tests.factories import assess, cell_at, make_user, marking

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

D = datetime.date
PERIOD = "2025-W11"  # Monday 10 March – Sunday 16 March 2025
BEFORE = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=datetime.UTC)
IN_PERIOD = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC)
AFTER = datetime.datetime(2025, 3, 18, 10, 0, tzinfo=datetime.UTC)

REPLY_EN = 'Morocco\'s register is "published" & <complete>'
REPLY_FR = "Le registre du Maroc est « publié » & <complet>"


def subscriber(username, language="en", clearance="public", affiliations=(), **follows):
    user = make_user(username, role="reader", clearance=clearance, affiliations=affiliations)
    return digest_services.subscribe(user, language=language, **follows)


def send(period=PERIOD):
    call_command("send_digests", period=period, stdout=io.StringIO())


def parts(mail):
    text, markup = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
    return text.replace("\r\n", "\n"), markup.replace("\r\n", "\n")


@pytest.fixture
def liaison(db):
    return make_user(
        "liaison_ma",
        role="respondent",
        clearance="confidential",
        countries=["MA"],
        affiliations=["MA"],
    )


@pytest.fixture
def answered(users):
    """An assessment of Morocco recorded the week before the digest's."""
    with time_machine.travel(BEFORE, tick=False):
        return assess(users.editor, cell_at(11, "MA"), "partial", D(2025, 3, 1))


def reply(liaison, assessment, when=IN_PERIOD, **kwargs):
    with time_machine.travel(when, tick=False):
        return services.reply_to_assessment(liaison, assessment, **kwargs)


@pytest.mark.parametrize("language, text", [("en", REPLY_EN), ("fr", REPLY_FR)])
def test_a_reply_of_the_week_reaches_those_who_follow_the_country(
    smtp, liaison, answered, language, text
):
    reply(liaison, answered, text_en=REPLY_EN, text_fr=REPLY_FR)
    follower = subscriber("follows_ma", language=language, countries=["MA"])
    subscriber("follows_dz", countries=["DZ"])
    send()
    (mail,) = smtp.sink.messages  # the DZ follower had no news: no digest
    assert mail["To"] == follower.recipient
    plain, markup = parts(mail)
    heading = "Replies of the countries" if language == "en" else "Réponses des pays"
    assert f"== {heading} ==" in plain
    assert text in plain
    assert escape(text) in markup and text not in markup
    assert f"/cells/{cell_at(11, 'MA').pk}/" in plain


def test_each_subscriber_is_told_only_of_the_replies_they_may_see(smtp, liaison, answered):
    reply(liaison, answered, text_en="PUBLIC-REPLY")
    reply(liaison, answered, text_en="RESTRICTED-REPLY", marking=marking("restricted"))
    reply(liaison, answered, text_en="MOROCCAN-REPLY", marking=marking("confidential", "MA"))
    readers = {
        "public": subscriber("s_pub", countries=["MA"]),
        "restricted": subscriber("s_res", clearance="restricted", countries=["MA"]),
        "nato": subscriber(
            "s_nato", clearance="confidential", affiliations=["nato"], countries=["MA"]
        ),
        "morocco": subscriber(
            "s_ma", clearance="confidential", affiliations=["MA"], countries=["MA"]
        ),
    }
    send()
    mails = {m["To"]: parts(m)[0] for m in smtp.sink.messages}
    expected = {
        "public": {"PUBLIC-REPLY"},
        "restricted": {"PUBLIC-REPLY", "RESTRICTED-REPLY"},
        "nato": {"PUBLIC-REPLY", "RESTRICTED-REPLY"},
        "morocco": {"PUBLIC-REPLY", "RESTRICTED-REPLY", "MOROCCAN-REPLY"},
    }
    for who, sub in readers.items():
        told = {
            t
            for t in ("PUBLIC-REPLY", "RESTRICTED-REPLY", "MOROCCAN-REPLY")
            if t in mails[sub.recipient]
        }
        assert told == expected[who], who


def test_only_the_weeks_replies_still_standing_are_told(smtp, liaison, answered):
    reply(liaison, answered, when=BEFORE, text_en="LAST-WEEK")
    reply(liaison, answered, when=AFTER, text_en="NEXT-WEEK")
    withdrawn = reply(liaison, answered, text_en="WITHDRAWN")
    services.retract_reply(liaison, withdrawn, reason="Sent by mistake.", expected_version=1)
    subscriber("follows_ma", countries=["MA"])
    send()
    assert smtp.sink.messages == []  # nothing else happened that week


def test_the_section_is_bounded(liaison, answered):
    for n in range(content.MAX_REPLIES + 3):
        reply(liaison, answered, text_en=f"Reply {n}")
    sub = subscriber("follows_all")
    told = content.digest_context(
        sub, viewer_for(sub.user), content.read_period(PERIOD, set()), "en"
    )
    assert [r["text"] for r in told["replies"]] == [
        f"Reply {n}" for n in range(content.MAX_REPLIES)
    ]
    assert told["replies_more"] == 3
