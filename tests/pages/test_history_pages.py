"""History on the pages (issue 15): the as-of banner, "what changed between two
dates" on the country, measure and initiative pages, a cell's timeline, and
the compare page — in English and French, with bad input refused plainly."""

import datetime
import html
import re

import pytest
from django.utils import timezone, translation

from measures import services
from measures.reads import scorecards
from measures.reads.history import changes_between
from measures.reads.labels import dated
from measures.reads.scorecards import Filters
from tests.factories import assess, cell_at

pytestmark = pytest.mark.django_db

D = datetime.date
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
WINDOW = "changed_from=2021-06-01&changed_to=2022-12-31"


@pytest.fixture
def reader(client, users):
    client.force_login(users.reader)
    return client


@pytest.fixture
def changed(users):
    """6·DZ agreed from March 2021, partial from May 2022, reconfirmed in
    November 2022; 18·MA suspended from February 2022 (all public)."""
    assess(users.editor, cell_at(6, "DZ"), "agreed", D(2021, 3, 1))
    assess(users.editor, cell_at(6, "DZ"), "partial", D(2022, 5, 1))
    assess(users.editor, cell_at(6, "DZ"), "partial", D(2022, 11, 1))
    assess(users.editor, cell_at(18, "MA"), "suspended", D(2022, 2, 1))
    return cell_at(6, "DZ")


def text(markup):
    """The words of a piece of HTML, whitespace collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()


def banner(response):
    found = re.search(r'<div class="as-of-banner".*?</div>', response.content.decode(), re.S)
    return found.group(0) if found else None


# --- the as-of banner ------------------------------------------------------------------


def test_every_page_that_replays_history_says_so_at_the_top_with_a_way_back(reader):
    cell = cell_at(6, "MA")
    day = dated(D(2011, 6, 30))
    for path in [
        "/",
        "/countries/MA/",
        "/measures/6/",
        "/initiatives/5plus5/",
        f"/cells/{cell.pk}/",
        "/compare/?c=DZ&c=MA&",
    ]:
        joiner = "&" if "?" in path else "?"
        response = reader.get(f"{path}{joiner}as_of=2011-06-30")
        assert response.status_code == 200, path
        shown = banner(response)
        assert shown is not None, path
        assert f"Replaying history: as of {day}" in shown
        assert "anything dated later is left out" in shown
        page = response.content.decode()
        # At the top of the main content, before the page's own heading.
        assert page.index('class="as-of-banner"') < page.index("<h1")
        assert banner(reader.get(path)) is None, path


def test_the_way_back_to_today_keeps_the_other_parameters(reader):
    shown = banner(reader.get("/countries/MA/?as_of=2011-06-30&changed_from=2010-01-01"))
    assert 'href="/countries/MA/?changed_from=2010-01-01"' in shown
    shown = banner(reader.get("/compare/?c=DZ&c=MA&as_of=2011-06-30"))
    assert 'href="/compare/?c=DZ&amp;c=MA"' in shown
    assert 'href="/measures/6/"' in banner(reader.get("/measures/6/?as_of=2011-06-30"))


def test_the_banner_in_french(reader):
    shown = banner(reader.get("/countries/MA/?as_of=2011-06-30", **FRENCH))
    with translation.override("fr"):
        day = dated(D(2011, 6, 30))
    assert f"Historique rejoué : au {day}" in shown
    assert "Revenir à aujourd" in shown
    assert "Replaying" not in shown


# --- what changed between two dates -----------------------------------------------------


def changes_section(response):
    page = response.content.decode()
    start = page.index('id="changes"')
    return text(page[start : page.index("</section>", start)])


def test_the_country_page_lists_each_cell_whose_level_changed(reader, changed):
    section = changes_section(reader.get(f"/countries/DZ/?{WINDOW}"))
    first, second = (dated(d) for d in (D(2021, 6, 1), D(2022, 12, 31)))
    assert f"1 cell changed level between {first} and {second}." in section
    assert "6." in section and "Algeria" in section
    # From → to, with the date of the assessment each rests on (the latest
    # reconfirmation); the reconfirmation itself is no change.
    assert re.search(r"agreed.*assessed " + re.escape(dated(D(2021, 3, 1))), section)
    assert re.search(
        r"partially implemented.*assessed " + re.escape(dated(D(2022, 11, 1))),
        section,
    )


def test_the_measure_and_initiative_pages_list_their_changes(reader, changed):
    section = changes_section(reader.get(f"/measures/6/?{WINDOW}"))
    assert "1 cell changed level" in section and "Algeria" in section
    section = changes_section(reader.get(f"/initiatives/5plus5/?{WINDOW}"))
    # The initiative carries measures 6 and 18: both changes, for two members.
    assert "2 cells changed level" in section
    assert "Algeria" in section and "Morocco" in section and "suspended" in section


def scorecard_changes(viewer, iso, start, end):
    """What changed, from two of the country's scorecards: (measure, partner, level then)."""
    then = scorecards.country_scorecard(viewer, iso, start)["measures"]
    now = scorecards.country_scorecard(viewer, iso, end)["measures"]
    expected = set()
    for before, after in zip(then, now, strict=True):
        if "pairs" in after:
            for p, q in zip(before["pairs"], after["pairs"], strict=True):
                if p["level"] != q["level"]:
                    expected.add((after["measure"], q["partner"], q["level"]))
        elif before["level"] != after["level"]:
            expected.add((after["measure"], None, after["level"]))
    return expected


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2010, 1, 1), None), (D(2011, 6, 30), D(2013, 1, 1)), (D(2021, 6, 1), D(2022, 12, 31))],
)
def test_what_changed_is_the_difference_of_the_scorecards_at_the_two_dates(
    users, changed, start, end
):
    end = end or timezone.localdate()
    for iso in ("DZ", "MA"):
        rows = changes_between(users.reader, start, end, Filters(countries=(iso,)))
        found = {
            (r["measure"], r["partner"] if r["country"] == iso else r["country"], r["to_level"])
            for r in rows
        }
        assert found == scorecard_changes(users.reader, iso, start, end)
    if start.year == 2021:
        assert found == {(18, None, "suspended")}


def test_what_changed_defaults_to_the_year_before_today_or_the_as_of_date(reader):
    today = timezone.localdate()
    page = reader.get("/countries/DZ/").content.decode()
    assert f'name="changed_to" value="{today.isoformat()}"' in page
    assert f'name="changed_from" value="{today.replace(year=today.year - 1).isoformat()}"' in page
    page = reader.get("/countries/DZ/?as_of=2012-02-29").content.decode()
    assert 'name="changed_from" value="2011-02-28"' in page
    assert 'name="changed_to" value="2012-02-29"' in page
    assert '<input type="hidden" name="as_of" value="2012-02-29">' in page


def test_bad_dates_for_what_changed_say_what_is_wrong(reader):
    response = reader.get("/countries/DZ/?changed_from=2022-13-01")
    assert response.status_code == 200
    assert "Enter a valid date." in changes_section(response)
    assert "changed level" not in changes_section(response)
    section = changes_section(
        reader.get("/measures/6/?changed_from=2022-01-01&changed_to=2021-01-01")
    )
    assert "The first date must be on or before the second." in section
    section = changes_section(reader.get("/measures/6/?changed_from=0001-01-01"))
    assert "Give a date between 1900 and 2999." in section


def test_what_changed_in_french(reader, changed):
    section = changes_section(reader.get(f"/countries/DZ/?{WINDOW}", **FRENCH))
    assert "Ce qui a changé entre deux dates" in section
    assert "1 cellule a changé de niveau entre le" in section
    assert "évalué le" in section
    section = changes_section(
        reader.get("/countries/DZ/?changed_from=2022-01-01&changed_to=2021-01-01", **FRENCH)
    )
    assert "La première date doit précéder la seconde" in section


def test_the_changes_download_as_csv(reader, changed):
    response = reader.get(f"/countries/DZ/?{WINDOW}&format=csv&table=changes")
    lines = response.content.decode().splitlines()
    assert lines[0] == "measure,title,country,partner,from_level,from_on,to_level,to_on"
    assert lines[1].startswith("6,") and ",DZ,,agreed,2021-03-01,partial,2022-11-01" in lines[1]


# --- a cell's timeline ------------------------------------------------------------------


def timeline(response):
    page = response.content.decode()
    start = page.index('id="timeline-title"')
    return page[start : page.index("</section>", start)]


def test_the_cell_timeline_lists_each_dated_level_in_order_without_colour(reader, changed, users):
    wrong = assess(users.admin, changed, "implemented", D(2022, 8, 1))
    services.retract_assessment(
        users.admin, wrong, reason="wrong", expected_version=changed.version_for(users.admin)
    )
    section = timeline(reader.get(f"/cells/{changed.pk}/"))
    items = re.findall(r"<li.*?</li>", section, re.S)
    words = [text(i) for i in items]
    mine = words[-3:]
    assert "agreed" in mine[0] and "2021" in mine[0]
    assert "partially implemented" in mine[1] and "changed from “agreed”" in mine[1]
    assert "reconfirmed" in mine[2] and "in force today" in mine[2]
    assert not any("implemented" in w and "partially" not in w for w in words)  # retracted
    # Initials and words, not colour alone.
    assert all("<abbr" in i for i in items)


def test_the_timeline_at_an_as_of_date_marks_the_level_then_in_force(reader, changed):
    section = timeline(reader.get(f"/cells/{changed.pk}/?as_of=2022-06-01", **FRENCH))
    items = [text(i) for i in re.findall(r"<li.*?</li>", section, re.S)]
    assert "en vigueur le" in items[-2] and "changé (auparavant «" in items[-2]
    assert "après la date" in items[-1] and "reconfirmé" in items[-1]
