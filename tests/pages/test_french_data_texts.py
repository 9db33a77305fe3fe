"""French pages show the data's French texts — membership, carried-measure,
pair and observation notes, indicator units and descriptions, the measure's
unit, initiative names in filters and forms — wherever a French text exists;
English pages keep the English."""

import html
import re

import pytest
from django.test import Client

from countries.models import CountryPair, Initiative, Membership
from measures.choices import Scope
from measures.models import CarriedMeasure, Indicator, Measure, Observation
from tests.factories import cell_at

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def bilingual_texts():
    """(English, French) of every seeded data text that has a French sibling
    distinct from it; short ones ("%", "Host state.") are kept only when they
    are long enough not to occur by chance inside other words."""
    pairs = set()
    for model, field in [
        (Membership, "note"),
        (CarriedMeasure, "note"),
        (CountryPair, "note"),
        (Observation, "note"),
        (Indicator, "unit"),
        (Measure, "unit"),
    ]:
        pairs |= set(model.objects.exclude(**{f"{field}_fr": ""}).values_list(field, f"{field}_fr"))
    pairs |= set(Indicator.objects.values_list("description_en", "description_fr"))
    return {(en, fr) for en, fr in pairs if en and fr and en != fr}


def text_of(response):
    assert response.status_code == 200, response
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", body))


def pages():
    yield from (
        f"/initiatives/{slug}/" for slug in Initiative.objects.values_list("slug", flat=True)
    )
    yield from (f"/measures/{n}/" for n in Measure.objects.values_list("number", flat=True))
    countries = set(Membership.objects.values_list("country_id", flat=True))
    countries |= set(Observation.objects.exclude(country=None).values_list("country_id", flat=True))
    yield from (f"/countries/{iso}/" for iso in sorted(countries))
    # A pair's cell page says why the pair is tracked.
    bilateral = Measure.objects.filter(scope=Scope.BILATERAL).order_by("number").first()
    for a, b in CountryPair.objects.values_list("country_id", "partner_id"):
        yield f"/cells/{cell_at(bilateral.number, a, b).pk}/"


def test_the_fixtures_carry_french_for_every_data_text():
    for model, field in [
        (Membership, "note"),
        (CarriedMeasure, "note"),
        (CountryPair, "note"),
        (Observation, "note"),
        (Indicator, "unit"),
        (Measure, "unit"),
    ]:
        untranslated = model.objects.exclude(**{field: ""}).filter(**{f"{field}_fr": ""})
        assert not untranslated.exists(), (model.__name__, list(untranslated[:3]))
    assert not Indicator.objects.filter(description_fr="").exists()


def test_french_pages_show_no_english_data_text_that_has_a_french_one(users):
    """Walk every initiative, measure and country page (indicator charts, their
    tables and descriptions included) in French as the administrator, who
    sees every marked membership too."""
    texts = bilingual_texts()
    long_english = {en for en, _fr in texts if len(en) >= 12}
    browser = Client()
    browser.force_login(users.admin)
    shown_french = set()
    for url in pages():
        page = text_of(browser.get(url, **FRENCH))
        leaked = [en for en in long_english if en in page]
        assert not leaked, (url, leaked[:3])
        shown_french |= {fr for _en, fr in texts if fr in page}
    # Not vacuous: every one of those notes, units and descriptions was on
    # those pages, in French.
    assert {fr for _en, fr in texts} - shown_french == set()


def test_english_pages_keep_the_english_texts(users):
    browser = Client()
    browser.force_login(users.admin)
    page = text_of(browser.get("/initiatives/cemoc/", **ENGLISH))
    note = Membership.objects.filter(initiative__slug="cemoc").exclude(note="").first()
    assert note.note in page and note.note_fr not in page
    page = text_of(browser.get("/measures/17/", **ENGLISH))
    assert "attacks" in page and "attentats" not in page


def test_indicator_charts_speak_french(users):
    browser = Client()
    browser.force_login(users.admin)
    page = text_of(browser.get("/measures/20/", **FRENCH))
    measure = Measure.objects.get(number=20)
    # The target sentence, the chart's axis, description and point titles.
    assert measure.unit_fr in page and measure.unit not in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "part du commerce" in svg.lower() or "%" in svg
    assert "2010-01-01" not in svg and "Maghreb dans son ensemble" in page
    page = text_of(browser.get("/measures/17/", **FRENCH))
    svg = page[page.index("<svg") : page.index("</svg>")]
    words = " ".join(re.findall(r">([^<]+)<", svg))  # the text drawn and read out
    assert "attentats" in words and "attacks" not in words
    # A year-precision observation reads as its year in the point's title.
    assert re.search(r"<title>[^<]* — 2012 : |<title>[^<]* — 2012:", svg), svg[:500]


@pytest.mark.parametrize(
    ("headers", "field"), [(FRENCH, "name_fr"), (ENGLISH, "name_en")], ids=["fr", "en"]
)
def test_initiative_names_in_filters_and_forms_are_in_the_readers_language(users, headers, field):
    browser = Client()
    browser.force_login(users.admin)
    cemoc = Initiative.objects.get(slug="cemoc")
    name = getattr(cemoc, field)
    for url in ["/", "/account/"]:
        page = text_of(browser.get(url, **headers))
        option = re.search(r'<option value="cemoc"[^>]*>([^<]*)</option>', page)
        assert option, url
        assert option.group(1).startswith(name), (url, option.group(1))


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/admin/countries/membership/add/", ["note", "note_fr"]),
        ("/admin/countries/countrypair/add/", ["note", "note_fr"]),
        ("/admin/measures/carriedmeasure/add/", ["note", "note_fr"]),
        ("/admin/measures/observation/add/", ["note", "note_fr"]),
        ("/admin/measures/indicator/add/", ["unit", "unit_fr", "description_en", "description_fr"]),
        ("/admin/measures/measure/add/", ["unit", "unit_fr"]),
    ],
)
def test_admin_forms_carry_both_languages(users, url, fields):
    browser = Client()
    browser.force_login(users.admin)
    page = browser.get(url).content.decode()
    for field in fields:
        assert f'name="{field}"' in page, (url, field)


def test_the_initiative_form_s_memberships_carry_both_languages(users):
    browser = Client()
    browser.force_login(users.admin)
    page = browser.get("/admin/countries/initiative/add/").content.decode()
    assert re.search(r'name="[\w-]+-__prefix__-note_fr"', page)
