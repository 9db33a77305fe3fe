"""Factories for the rows tests create; the seed data covers the rest."""

import datetime

import factory
from django.contrib.auth import get_user_model

from measures import services
from measures.models import Cell, Evidence, Marking, Source


def make_user(username, *, role, clearance, countries=(), affiliations=(), **fields):
    user = get_user_model().objects.create_user(
        username=username, password="pw", email=f"{username}@example.org", **fields
    )
    services.grant(
        services.system_actor(),
        user,
        role=role,
        clearance=clearance,
        countries=countries,
        affiliations=affiliations,
    )
    return user


def marking(level="public", *releasable_to):
    return Marking.objects.resolve(level, releasable_to)


class SourceFactory(factory.django.DjangoModelFactory):
    """Sources saved through the service, as the system actor."""

    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"test-{n}")
    title = factory.Sequence(lambda n: f"Test report {n}")
    language = "en"
    published_on = datetime.date(2012, 1, 1)
    published_precision = "year"
    marking = factory.LazyFunction(lambda: marking("public"))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_source(services.system_actor(), model_class(**kwargs))


class EvidenceFactory(factory.Factory):
    """Evidence filed through the service, as the system actor."""

    class Meta:
        model = Evidence

    occurred_on = datetime.date(2012, 3, 1)
    summary_en = factory.Sequence(lambda n: f"Fact number {n}")
    locator = "p. 1"
    source = factory.SubFactory(SourceFactory)
    direction = "supports"
    source_reliability = "B"
    information_credibility = "2"
    marking = None  # the source's marking
    cells = ()
    initiatives = ()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.create_evidence(services.system_actor(), **kwargs)


def cell_at(number, country, partner=None):
    """The cell for measure ``number`` and a country or pair (in either order)."""
    if partner is not None:
        country, partner = sorted((country, partner))
    return Cell.objects.get(measure__number=number, country_id=country, partner_id=partner)


def assess(actor, cell, level, on, *, evidence=(), marking=None, rationale="Test."):
    """Record an assessment through the service, reading the cell's version first."""
    return services.record_assessment(
        actor,
        cell,
        level=level,
        effective_on=on,
        expected_version=cell.version_for(actor),
        rationale_en=rationale,
        evidence=evidence,
        marking=marking,
    )
