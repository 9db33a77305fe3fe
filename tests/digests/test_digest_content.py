"""What a digest says and how it reads: summary first, ordered by significance,
bounded, in the subscriber's language, plain text without markup and HTML
escaped exactly once — real digests sent to a real SMTP server and parsed
with Python's ``email`` package."""

import datetime
import html
import io
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from countries.models import Country
from digests import content, periods
from digests import services as digest_services
from measures.models import Assessment
from tests.digests import digest_weeks
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, make_user, marking

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

D = datetime.date
PERIOD = "2025-W11"  # Monday 10 March – Sunday 16 March 2025
IN_PERIOD = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC)

# Every character HTML escapes; "<" followed by a digit so that a tag-finder
# looking at the plain text cannot mistake the content itself for a tag.
TITLE = 'Algeria\'s "Pivotal" Ambivalence & the <5 % > 2 rule'
SUMMARY_EN = 'AMU & ECOWAS: "it\'s <1 % of trade" > nothing'
SUMMARY_FR = "L'UMA & la CEDEAO : « c'est <1 % des \"échanges\" » > rien"
RATIONALE = 'Rated on "Algeria\'s" & <2 sources> only'

ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
TAG = re.compile(r"</?[a-zA-Z!][^>]*>")
DOUBLE_ESCAPE = re.compile(r"&amp;(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def subscriber(username, language="en", clearance="public", affiliations=(), **follows):
    user = make_user(username, role="reader", clearance=clearance, affiliations=affiliations)
    return digest_services.subscribe(user, language=language, **follows)


def send(period=PERIOD):
    call_command("send_digests", period=period, stdout=io.StringIO())


def parts(mail):
    """(text, html) as a mail client decodes them, with the wire's CRLFs as newlines."""
    text, markup = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
    return text.replace("\r\n", "\n"), markup.replace("\r\n", "\n")


class TextOf(HTMLParser):
    """The text a reader of the HTML part sees, entities decoded."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.chunks = []
        self.feed(markup)

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self):
        return "".join(self.chunks)


def changes_in_text(text):
    """(where, measure number) of each line of the text part's "Level changes"
    section, in order — whatever the language."""
    section = re.search(
        r"^== (?:Level changes|Changements de niveau) ==\n(.*?)(?=^== |^--$)", text, re.M | re.S
    )
    if section is None:
        return []
    found = []
    for line in section.group(1).splitlines():
        if line and not line.startswith(" "):
            match = re.search(r"(?:^|· )([^·]+?) · (?:Measure|Mesure) (\d+)\s?:", line)
            found.append((match.group(1), int(match.group(2))))
    return found


def changes_in_html(markup):
    """The same, read from the HTML part's rows."""
    section = markup.split("</h2>", 1)[1].split("<h2", 1)[0] if "<h2" in markup else ""
    return [
        (html.unescape(where), int(number))
        for where, number in re.findall(
            r'<strong>([^<]+)</strong> · <a href="[^"]+" style="[^"]+">(?:Measure|Mesure) (\d+)',
            section,
        )
    ]


@pytest.fixture
def awkward_week(users):
    """A week whose source title, summaries and rationale hold ' " & < >."""
    with time_machine.travel(IN_PERIOD, tick=False):
        cell = cell_at(11, "MA")
        evidence = EvidenceFactory(
            source=SourceFactory(title=TITLE),
            summary_en=SUMMARY_EN,
            summary_fr=SUMMARY_FR,
            cells=[cell],
        )
        assess(
            users.editor,
            cell,
            "agreed",
            D(2025, 3, 10),
            evidence=[evidence],
            rationale=RATIONALE,
        )
    return cell


@pytest.mark.parametrize("language, summary", [("en", SUMMARY_EN), ("fr", SUMMARY_FR)])
def test_the_text_part_holds_the_characters_and_the_html_escapes_them_exactly_once(
    smtp, awkward_week, language, summary
):
    subscriber("awkward", language=language)
    send()
    (mail,) = smtp.sink.messages
    text, markup = parts(mail)

    for raw in (TITLE, summary, RATIONALE):
        assert raw in text
        assert escape(raw) in markup  # ' " & < > each escaped once
        assert raw not in markup
        assert raw in TextOf(markup).text  # and a mail client shows them as written
    assert ENTITY.findall(text) == []
    assert TAG.findall(text) == []
    assert DOUBLE_ESCAPE.findall(markup) == []
    assert ENTITY.findall(str(mail["Subject"])) == []


def test_the_summary_lists_exactly_the_level_changes_each_subscriber_may_see(smtp, users):
    """Four changes under four markings; each subscriber's summary (text and HTML)
    lists the cells whose week's assessments ``visible_to`` lets them see."""
    with time_machine.travel(IN_PERIOD, tick=False):
        assess(users.editor, cell_at(11, "MA"), "agreed", D(2025, 3, 10))
        assess(
            users.editor,
            cell_at(12, "DZ"),
            "under_discussion",
            D(2025, 3, 1),
            marking=marking("restricted"),
        )
        assess(
            users.confidential_editor,
            cell_at(17, "MA"),
            "suspended",
            D(2025, 2, 1),
            marking=marking("confidential", "MA"),
        )
        assess(
            users.admin,
            cell_at(5, "TN"),
            "implemented",
            D(2025, 1, 1),
            marking=marking("confidential", "nato"),
        )
    readers = {
        "public": subscriber("s_pub"),
        "restricted": subscriber("s_res", clearance="restricted"),
        "morocco": subscriber("s_ma", language="fr", clearance="confidential", affiliations=["MA"]),
        "nato": subscriber("s_nato", clearance="confidential", affiliations=["nato"]),
    }
    send()
    mails = {m["To"]: m for m in smtp.sink.messages}
    start, end = periods.period_bounds(PERIOD)
    seen_lists = []
    for sub in readers.values():
        visible = (
            Assessment.objects.visible_to(sub.user)
            .filter(recorded_at__gte=start, recorded_at__lt=end)
            .select_related("cell__measure", "cell__country")
        )
        name = "name_fr" if sub.language == "fr" else "name_en"
        expected = {(getattr(a.cell.country, name), a.cell.measure.number) for a in visible}
        text, markup = parts(mails[sub.recipient])
        assert set(changes_in_text(text)) == expected
        assert len(changes_in_text(text)) == len(expected)
        assert set(changes_in_html(markup)) == expected
        seen_lists.append(expected)
    # The four readers see four different summaries: the test tells them apart.
    assert len({frozenset(s) for s in seen_lists}) == 4


@pytest.mark.parametrize("language", ["en", "fr"])
def test_level_changes_come_by_significance_moves_down_and_to_suspended_first(
    smtp, users, language
):
    digest_weeks.typical_week(users.admin)
    sub = subscriber("ordered", language=language)
    send(digest_weeks.PERIOD)
    text, markup = parts(smtp.sink.messages[0])
    field = "name_fr" if language == "fr" else "name_en"

    def where(label):
        return " – ".join(getattr(Country.objects.get(pk=iso), field) for iso in label.split("–"))

    expected = [(where(label), number) for number, label in digest_weeks.TYPICAL_ORDER]
    assert changes_in_text(text) == expected
    assert changes_in_html(markup) == expected
    first_line = text.split("== ", 1)[0]
    numbers = (
        "9 level changes · 3 moved down" if language == "en" else "9 niveaux modifiés · 3 en recul"
    )
    assert numbers in first_line  # the week in numbers comes first
    assert sub.recipient == smtp.sink.messages[0]["To"]


@pytest.mark.parametrize(
    "language, shown",
    [
        ("en", ["as of February 2013", "as of 2013,", "as of 20 April 2013", "Measure 6: "]),
        (
            "fr",
            ["date d'effet : février 2013", "date d'effet : 2013", "20 avril 2013", "Mesure 6 : "],
        ),
    ],
)
def test_both_parts_speak_the_subscribers_language_with_dates_as_precise_as_known(
    smtp, users, language, shown
):
    digest_weeks.typical_week(users.admin)
    subscriber("lang", language=language)
    send(digest_weeks.PERIOD)
    text, markup = parts(smtp.sink.messages[0])
    seen = TextOf(markup).text
    for phrase in shown:
        phrase = phrase.rstrip(",")
        assert phrase in text
        assert phrase in seen
    other = "Level changes" if language == "fr" else "Changements de niveau"
    assert other not in text and other not in seen


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_typical_digest_is_under_30_kb_of_html_with_bounded_sections(smtp, users, language):
    digest_weeks.typical_week(users.admin)
    subscriber("typical", language=language)
    send(digest_weeks.PERIOD)
    mail = smtp.sink.messages[0]
    text, markup = parts(mail)
    assert len(markup.encode()) < 30_000
    sections = {part.split(" ==", 1)[0]: part for part in text.split("\n== ")[1:]}
    with translation.override(language):
        bounds = {
            gettext("New evidence"): content.MAX_EVIDENCE,
            gettext("Initiatives you follow"): content.MAX_OTHER_EVIDENCE,
        }
    assert bounds.keys() & sections.keys()
    for name, bound in bounds.items():
        lines = [x for x in sections.get(name, "").splitlines() if x.startswith("  * ")]
        assert len(lines) <= bound, name
    assert text.split("\n== ")[-1].count("  * ") <= content.MAX_OVERDUE  # the last section
    # 25 pieces of evidence, listed once per country, do not all fit: the rest is linked.
    more = re.findall(r"^(?:and|et) \d+ (?:more|autres?) ", text, re.M)
    assert more, "a long section says how much was left out"
    assert "http://testserver/countries/" in text


def test_the_html_part_has_inline_styles_only_and_every_level_written_out(smtp, users):
    digest_weeks.typical_week(users.admin)
    subscriber("styles")
    send(digest_weeks.PERIOD)
    _, markup = parts(smtp.sink.messages[0])
    lowered = markup.lower()
    for forbidden in ("<style", "<link", "<script", "class=", "javascript:", "@import", "src="):
        assert forbidden not in lowered
    assert re.findall(r"<img(?![^>]*\balt=)", lowered) == []
    assert '<meta name="viewport"' in markup
    # Colour never carries a level alone: each chip has its initials and its name.
    chips = re.findall(
        r'<span title="([^"]+)" style="[^"]*background:[^"]*">([A-Z]{2}|n/r)</span>', markup
    )
    assert ("suspended", "SU") in chips and ("partially implemented", "PI") in chips
    assert len(chips) == 19  # nine moves with two chips each, one reconfirmation with one
