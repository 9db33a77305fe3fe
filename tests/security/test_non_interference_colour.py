"""Non-interference for what the colour / French / dates work shows: the
precision of a level's date (country, measure and cell pages, the scorecard
API, in English and in French), a pair's note and the "not rated" code are
unchanged by assessments the viewer may not see — and do change when the
viewer may see them (the positive control)."""

import datetime

import pytest
from django.test import Client

from measures import services
from tests.api_helpers import client
from tests.factories import cell_at, marking
from tests.security.test_non_interference import response_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_off")]

D = datetime.date


def targets():
    # A national cell the seed leaves unrated, and a pair cell.
    return cell_at(4, "DZ"), cell_at(13, "DZ", "TN")


def observe(user):
    national, pair = targets()
    browser = Client()
    browser.force_login(user)
    api = client(user)
    seen = {}
    for language in ("en", "fr"):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        for path in [
            "/countries/DZ/",
            "/countries/TN/",
            "/measures/4/",
            "/measures/13/",
            f"/cells/{national.pk}/",
            f"/cells/{pair.pk}/",
        ]:
            seen[(language, path)] = response_bytes(browser.get(path, **headers))
    for path in [
        "/api/v1/scorecards/countries/DZ/",
        "/api/v1/scorecards/measures/4/",
        "/api/v1/scorecards/measures/13/",
    ]:
        seen[path] = response_bytes(api.get(path))
    return seen


def record(actor, cell, level_marking):
    """A level known to the year, later than anything the seed says of the cell."""
    return services.record_assessment(
        actor,
        cell,
        level="agreed",
        effective_on=D(2024, 1, 1),
        effective_precision="year",
        expected_version=cell.version_for(actor),
        rationale_en="Agreed in 2024.",
        marking=level_marking,
    )


def test_hidden_year_precision_levels_change_nothing_a_public_reader_observes(users):
    reader = users.reader
    before = observe(reader)
    for cell in targets():
        record(users.admin, cell, marking("confidential"))
    after = observe(reader)
    for key in before:
        assert after[key] == before[key], key


def test_visible_ones_do_change_what_they_observe(users):
    """The positive control: the same writes, public, reach the reader as "2024"."""
    reader = users.reader
    before = observe(reader)
    for cell in targets():
        record(users.admin, cell, marking("public"))
    after = observe(reader)
    changed = {key for key in before if after[key] != before[key]}
    assert changed == set(before)
    national, pair = targets()
    for language in ("en", "fr"):
        page = after[(language, f"/cells/{national.pk}/")].decode()
        assert "2024-01-01" not in page.split('class="big-level"')[1].split("</p>")[0]
    assert b'"effective_precision": "year"' in after["/api/v1/scorecards/measures/13/"] or (
        b'"effective_precision":"year"' in after["/api/v1/scorecards/measures/13/"]
    )
