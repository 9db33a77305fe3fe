"""Dates read as precisely as they are known, in the reader's language: "2010",
"March 2012" / "mars 2012", "5 March 2012" / "5 mars 2012" — never the stored
"2010-01-01" of a year-precision date."""

import datetime
import html

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from countries.models import Membership
from measures import services
from measures.models import Measure
from measures.reads.labels import dated
from tests.factories import cell_at

D = datetime.date


@pytest.mark.parametrize(
    ("language", "precision", "expected"),
    [
        ("en", "year", "2010"),
        ("fr", "year", "2010"),
        ("en", "month", "March 2012"),
        ("fr", "month", "mars 2012"),
        ("en", "day", "5 March 2012"),
        ("fr", "day", "5 mars 2012"),
    ],
)
def test_a_date_reads_per_language_and_precision(language, precision, expected):
    day = D(2010, 1, 1) if precision == "year" else D(2012, 3, 5 if precision == "day" else 1)
    with translation.override(language):
        assert dated(day, precision) == expected
        template = Template("{% load cbm_pages %}{% fuzzy_date d p %}|{{ d|dated:p }}")
        assert template.render(Context({"d": day, "p": precision})) == f"{expected}|{expected}"


def test_no_date_reads_as_a_dash_and_a_datetime_as_its_day():
    assert dated(None) == "—"
    with translation.override("en"):
        assert dated(datetime.datetime(2012, 3, 5, 23, 0)) == "5 March 2012"
        assert dated("2012-03-05", "month") == "March 2012"


def body(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.usefixtures("review_off")
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_year_precision_level_reads_as_its_year_on_the_country_and_measure_pages(users, language):
    cell = cell_at(4, "DZ")  # not rated by the seed
    services.record_assessment(
        users.admin,
        cell,
        level="agreed",
        effective_on=D(2010, 1, 1),
        effective_precision="year",
        expected_version=cell.version_for(users.admin),
        rationale_en="Known to the year.",
    )
    browser = Client()
    browser.force_login(users.reader)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    country = body(browser.get("/countries/DZ/", **headers))
    row = country[country.index('id="measure-4"') :].split("</tr>")[0]
    assert "<td>2010</td>" in row and "2010-01-01" not in row
    measure = body(browser.get("/measures/4/", **headers))
    row = measure[measure.index('href="/countries/DZ/"') :].split("</tr>")[0]
    assert "<td>2010</td>" in row and "2010-01-01" not in row
    page = body(browser.get(f"/cells/{cell.pk}/", **headers))
    current = page[page.index('class="big-level"') :].split("</p>")[0]
    assert current.endswith(" 2010") and "2010-01-01" not in current


@pytest.mark.django_db
def test_memberships_baselines_and_evidence_dates_follow_their_precision(users):
    browser = Client()
    browser.force_login(users.admin)
    membership = Membership.objects.filter(start_precision="month").select_related("initiative")
    membership = membership.first()
    with translation.override("fr"):
        month = dated(membership.start, "month")
    page = body(
        browser.get(f"/initiatives/{membership.initiative.slug}/", HTTP_ACCEPT_LANGUAGE="fr")
    )
    assert month in page and membership.start.isoformat() not in page.split("<svg")[0]
    # Measure 20's baseline is known to the year (2010).
    measure = Measure.objects.get(number=20)
    assert measure.baseline_precision == "year"
    page = body(browser.get("/measures/20/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert f"De 2,50 {measure.unit_fr} (référence, 2010) à 10 {measure.unit_fr} (objectif)." in page
