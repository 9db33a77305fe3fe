"""Shared helpers for the REST API tests: clients, the error shape, footprints,
the generic tests every read resource inherits, and a bulk loader for the
query-count tests."""

import datetime
from dataclasses import dataclass, field

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from countries.models import Country, CountryPair, Initiative, Membership, Region
from measures import services
from measures.audit.revisions import change, latest_revision, snapshot
from measures.choices import Action
from measures.models import (
    Assessment,
    AudienceRevision,
    Cell,
    ChangeRecord,
    Evidence,
    Indicator,
    Observation,
    Source,
)
from tests.factories import cell_at, marking

API = "/api/v1"
D = datetime.date

# Every list endpoint (the page size makes a whole seed fit on one page).
LISTS = [
    "countries",
    "initiatives",
    "measures",
    "sources",
    "cells",
    "assessments",
    "evidence",
    "indicators",
]
# Every scorecard, with a path that exists in the seed.
SCORECARDS = [
    "scorecards/countries/",
    "scorecards/countries/MA/",
    "scorecards/measures/6/",
    "scorecards/measures/2/",
    "scorecards/initiatives/5plus5/",
    "scorecards/matrix/",
]


def url(path):
    return f"{API}/{path.lstrip('/')}"


def client(user=None, *, token=None, **headers):
    """An API client: anonymous, forced as ``user``, or with a knox token."""
    api = APIClient(**headers)
    if token is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    elif user is not None:
        api.force_authenticate(user)
    return api


def token_for(user, days=1):
    _instance, token = AuthToken.objects.create(user, expiry=datetime.timedelta(days=days))
    return token


def assert_error(response, status, *fields):
    """The uniform error body: {"status", "code", "detail"[, "fields"]}."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["detail"], str) and body["detail"]
    if fields:
        assert set(fields) <= set(body["fields"]), body
        for name in fields:
            assert body["fields"][name], body
    return body


def footprint():
    """What a refused write must leave exactly as it was."""
    return (
        latest_revision(),
        ChangeRecord.objects.count(),
        Assessment.objects.count(),
        list(Evidence.objects.order_by("pk").values_list("pk", "version", "marking_id")),
        sorted(AudienceRevision.objects.values_list("audience", "revision")),
    )


def feed_cursor():
    """The change feed's cursor as of now: the public id of the latest record
    (what a poller holds as ``next`` after reading everything), "0" if none."""
    last = ChangeRecord.objects.order_by("-revision", "-id").first()
    return str(last.public_id) if last is not None else "0"


def results(response):
    body = response.json()
    assert response.status_code == 200, body
    return body["results"]


def everything(api, path, **params):
    """All rows of a list (one page of up to 1000)."""
    return results(api.get(url(path), {"page_size": 1000, **params}))


# --- the generic tests of a read resource (NetBox's APIViewTestCases, pytest-style) ---


@dataclass(frozen=True)
class Resource:
    """A resource of /api/v1/ as the generic tests see it: its list, a row of
    the seed (a key, or a function giving one), keys no row has, and the keys
    of a row's body where a test pins them."""

    name: str
    sample: object
    unknown: tuple = ()
    fields: frozenset = field(default_factory=frozenset)

    def list_path(self):
        return f"{self.name}/"

    def detail_path(self):
        key = self.sample() if callable(self.sample) else self.sample
        return f"{self.name}/{key}/"


def seed_assessment():
    """The one public assessment on cell 6·MA (seed)."""
    return cell_at(6, "MA").assessments.first()


RESOURCES = {
    resource.name: resource
    for resource in [
        Resource(
            "countries",
            "DZ",
            ("ZZ",),
            frozenset({"iso2", "iso3", "name_en", "name_fr", "name_ar", "regions"}),
        ),
        Resource("initiatives", "cemoc", ("no-such-initiative",)),
        Resource(
            "measures",
            6,
            ("99",),
            frozenset(
                {"number", "title_en", "title_fr", "description_en", "description_fr", "domain"}
                | {"scope", "source", "locator", "target", "initiatives"}
            ),
        ),
        Resource(
            "sources",
            "000",
            ("x",),
            frozenset(
                {"key", "title", "author", "publisher", "published_on", "published_precision"}
                | {"language", "url", "description", "marking"}
            ),
        ),
        Resource("cells", lambda: cell_at(6, "MA").pk, ("999999",)),
        Resource(
            "assessments",
            lambda: seed_assessment().public_id,
            ("999999", "00000000-0000-0000-0000-000000000000"),
        ),
        Resource(
            "evidence",
            lambda: seed_assessment().evidence.first().public_id,
            ("999999", "00000000-0000-0000-0000-000000000000"),
        ),
        Resource(
            "indicators",
            "military-expenditure",
            ("no-such-indicator",),
            frozenset(
                {"slug", "name_en", "name_fr", "unit", "description_en", "measure", "source"}
                | {"locator", "observations"}
            ),
        ),
    ]
}
assert list(RESOURCES) == LISTS  # one for every list

# Roles every list must answer.
ROLES = ["reader", "editor", "analyst", "moroccan_analyst", "admin"]


class ReadResourceTests:
    """What every read resource does. A test class sets ``resource`` (one of
    RESOURCES) and inherits these tests, as NetBox's view test cases do."""

    resource: Resource

    def test_anonymous_callers_get_401_when_public_reading_is_off(self, settings, db):
        settings.CBM_PUBLIC_READ = False
        for path in [self.resource.list_path(), self.resource.detail_path()]:
            response = client().get(url(path))
            assert_error(response, 401)
            assert response["WWW-Authenticate"] == "Token"

    @pytest.mark.parametrize("role", ROLES)
    def test_the_list_answers_every_role_with_a_page(self, users, role):
        response = client(getattr(users, role)).get(url(self.resource.list_path()))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] >= len(body["results"]) > 0
        assert response["Vary"].startswith("Authorization, Cookie")

    def test_a_row_has_its_fields_an_etag_and_vary(self, users):
        response = client(users.reader).get(url(self.resource.detail_path()))
        assert response.status_code == 200
        if self.resource.fields:
            assert set(response.json()) == self.resource.fields
        assert response["ETag"].startswith('"')
        assert response["Vary"].startswith("Authorization, Cookie")

    def test_unknown_rows_are_404_in_the_uniform_body(self, users):
        for key in self.resource.unknown:
            assert_error(client(users.admin).get(url(f"{self.resource.name}/{key}/")), 404)


# --- more data, for the query-count tests --------------------------------------

SYNTHETIC_PREFIX = "Q"


def grow(n=45):
    """Add ``n`` countries with their cells, a pair with Algeria each, a 5+5
    membership, evidence, assessments (one confidential each), a source and
    indicator observations: bulk, under one audited revision (the seed's path).
    """
    actor = services.system_actor()
    letters = [f"{a}{b}" for a in "QXZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    taken = set(Country.objects.values_list("iso2", flat=True))
    codes = [c for c in letters if c not in taken][:n]
    assert len(codes) == n
    public, secret = marking("public"), marking("confidential", "MA")
    region = Region.objects.get(code="maghreb")
    initiative = Initiative.objects.get(slug="5plus5")
    indicator = Indicator.objects.order_by("slug").first()
    with change(actor, "Synthetic data for the query-count tests") as current:
        countries = Country.objects.bulk_create(
            [
                Country(iso2=c, iso3=f"{c}Z", name_en=f"Testland {c}", name_fr=f"Testland {c}")
                for c in codes
            ]
        )
        Country.regions.through.objects.bulk_create(
            [Country.regions.through(country_id=c, region_id=region.pk) for c in codes]
        )
        pairs = CountryPair.objects.bulk_create(
            [CountryPair(country_id="DZ", partner_id=c) for c in codes]
        )
        memberships = Membership.objects.bulk_create(
            [
                Membership(country_id=c, initiative=initiative, role="member", start=D(2003, 1, 1))
                for c in codes
            ]
        )
        sources = Source.objects.bulk_create(
            [
                Source(key=f"syn-{c}", title=f"Report on {c}", language="en", marking=public)
                for c in codes[:5]
            ]
        )
        observations = Observation.objects.bulk_create(
            [
                Observation(indicator=indicator, country_id=c, observed_on=D(2010, 1, 1), value=1)
                for c in codes
            ]
        )
        for obj in [*countries, *pairs, *memberships, *sources, *observations]:
            current.record(obj, Action.CREATE, after=snapshot(obj), marking=None)
        services.create_missing_cells(current)
        cells = {
            (s.measure.number, s.country_id, s.partner_id): s
            for s in Cell.objects.filter(
                measure__number__in=[2, 5, 6, 17], country_id__in=["DZ", *codes]
            ).select_related("measure")
        }
        revision = current.take_revision()
        items = Evidence.objects.bulk_create(
            [
                Evidence(
                    occurred_on=D(2011, 1, 1),
                    summary_en=f"Synthetic fact about {c}",
                    locator="p. 1",
                    source=sources[0],
                    direction="supports",
                    source_reliability="B",
                    information_credibility="2",
                    marking=public,
                    created_by=actor,
                )
                for c in codes
            ]
        )
        Evidence.cells.through.objects.bulk_create(
            [
                Evidence.cells.through(evidence_id=item.pk, cell_id=cells[key].pk)
                for item, c in zip(items, codes, strict=True)
                for key in [(6, c, None), (17, c, None), (2, "DZ", c)]
            ]
        )
        plan = []
        for c in codes:
            plan += [
                ((6, c, None), "partial", public),
                ((17, c, None), "implemented", public),
                ((2, "DZ", c), "agreed", public),
                ((5, c, None), "agreed", secret),
            ]
        assessments = Assessment.objects.bulk_create(
            [
                Assessment(
                    cell=cells[key],
                    level=level,
                    effective_on=D(2011, 6, 1),
                    rationale_en="Synthetic.",
                    marking=mark,
                    recorded_by=actor,
                    revision=revision,
                )
                for key, level, mark in plan
            ]
        )
        for item in items:
            current.record(item, Action.CREATE, after=snapshot(item), marking=public)
        for assessment in assessments:
            current.record(
                assessment, Action.CREATE, after=snapshot(assessment), marking=assessment.marking
            )
    return codes
