"""Mass assignment: for every writable endpoint, each field outside its write set
(ids, versions, who recorded it, retraction fields, foreign keys the row
derives...) sent in an otherwise valid body is refused with a 400 naming it,
and nothing is written. The fields come from the models and the read
representations, so a field added to either is covered without editing this.

Then the writes that are well formed but not the caller's to make: a marking
above the writer's clearance, a cell outside their country scope, a reader
writing at all, someone else's subscription — refused, nothing written.
"""

import pytest

from digests import services as digest_services
from digests.api.views import SubscriptionSerializer
from digests.models import Subscription
from measures import services
from measures.api import serializers as s
from measures.models import Assessment, Cell, Evidence
from tests.api_helpers import assert_error, footprint, url
from tests.api_helpers import client as api_client
from tests.factories import EvidenceFactory, cell_at

pytestmark = pytest.mark.django_db


def model_fields(model, representation=None):
    names = set()
    for field in model._meta.get_fields():
        if field.concrete or field.many_to_many:
            names |= {field.name, getattr(field, "attname", field.name)}
    if representation is not None:
        names |= set(representation().fields)
    return names


def client(user):
    """An API client acting as ``user``, who is remembered: a cell's version is
    the caller's own, so bodies that carry one read it as the caller."""
    api = api_client(user)
    api.caller = user
    return api


def assessment_body(cell, user):
    return {
        "cell": cell.pk,
        "expected_version": cell.version_for(user),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "rationale_en": "Agreed.",
    }


def evidence_body():
    return {
        "source": "002",
        "occurred_on": "2013-03-01",
        "summary_en": "A fact.",
        "locator": "p. 4",
        "direction": "supports",
        "reliability": "B2",
    }


class Endpoint:
    """A write: how to send it (with an extra field), what it may set, what a
    row it creates or changes looks like in the read representation."""

    def __init__(self, name, write_set, fields, send, caller="admin"):
        self.name, self.write_set, self.send = name, set(write_set), send
        self.outside = sorted(fields - self.write_set)
        self.caller = caller  # the most powerful caller for whom the body is valid


def send_assessment(api, ctx, extra):
    return api.post(url("assessments/"), {**assessment_body(ctx["cell"], api.caller), **extra})


def send_cell_patch(api, ctx, extra):
    body = {"level": "agreed", "effective_on": "2013-05-01", "rationale": "Agreed.", **extra}
    return api.patch(url(f"cells/{ctx['cell'].pk}/"), body, HTTP_IF_MATCH="*")


def send_evidence(api, ctx, extra):
    return api.post(url("evidence/"), {**evidence_body(), **extra})


def send_evidence_patch(api, ctx, extra):
    body = {"cells": [ctx["other_cell"].pk], **extra}
    return api.patch(url(f"evidence/{ctx['evidence'].public_id}/"), body, HTTP_IF_MATCH="*")


def send_evidence_retract(api, ctx, extra):
    path = url(f"evidence/{ctx['evidence'].public_id}/retract/")
    return api.post(path, {"reason": "Wrong.", **extra}, HTTP_IF_MATCH="*")


def send_assessment_retract(api, ctx, extra):
    version = ctx["cell"].version_for(api.caller)
    path = url(f"assessments/{ctx['assessment'].public_id}/retract/")
    return api.post(path, {"reason": "Wrong.", "expected_version": version, **extra})


def send_subscription(api, ctx, extra):
    return api.post(url("subscriptions/"), {"countries": ["MA"], **extra})


def send_subscription_patch(api, ctx, extra):
    path = url(f"subscriptions/{ctx['subscription'].pk}/")
    return api.patch(path, {"paused": True, **extra}, HTTP_IF_MATCH="*")


ASSESSMENT_FIELDS = model_fields(Assessment, s.AssessmentSerializer)
EVIDENCE_FIELDS = model_fields(Evidence, s.EvidenceSerializer)
CELL_FIELDS = model_fields(Cell, s.CellSerializer) | ASSESSMENT_FIELDS
SUBSCRIPTION_FIELDS = model_fields(Subscription, SubscriptionSerializer)

ENDPOINTS = [
    Endpoint(
        "POST assessments",
        set(s.AssessmentCreateSerializer().fields),
        ASSESSMENT_FIELDS,
        send_assessment,
    ),
    Endpoint("PATCH cells", set(s.CellUpdateSerializer().fields), CELL_FIELDS, send_cell_patch),
    Endpoint(
        "POST evidence", set(s.EvidenceCreateSerializer().fields), EVIDENCE_FIELDS, send_evidence
    ),
    Endpoint(
        "PATCH evidence",
        {"cells", "initiatives", "marking", "reason"},
        EVIDENCE_FIELDS,
        send_evidence_patch,
    ),
    Endpoint("retract evidence", {"reason"}, EVIDENCE_FIELDS, send_evidence_retract),
    Endpoint(
        "retract assessment",
        {"reason", "expected_version"},
        ASSESSMENT_FIELDS,
        send_assessment_retract,
    ),
    Endpoint(
        "POST subscriptions",
        {"countries", "measures", "initiatives", "language", "paused"},
        SUBSCRIPTION_FIELDS,
        send_subscription,
        caller="editor",  # the admin already has one (the fixture's)
    ),
    Endpoint(
        "PATCH subscriptions",
        {"countries", "measures", "initiatives", "language", "paused"},
        SUBSCRIPTION_FIELDS,
        send_subscription_patch,
    ),
]
CASES = [(e, field) for e in ENDPOINTS for field in e.outside]
# Plausible values an attacker would send: a number, a name, a flag.
VALUES = [1, "admin_all", True]


@pytest.fixture
def ctx(users):
    cell = cell_at(11, "MA")
    evidence = EvidenceFactory(cells=[cell])
    assessment = services.record_assessment(
        users.editor,
        cell,
        level="partial",
        effective_on="2012-01-01",
        expected_version=cell.version_for(users.editor),
        rationale_en="Partly.",
        evidence=[evidence],
    )
    subscription = digest_services.subscribe(users.admin, countries=["MA"])
    return {
        "cell": cell,
        "other_cell": cell_at(12, "MA"),
        "evidence": evidence,
        "assessment": assessment,
        "subscription": subscription,
    }


def write_footprint():
    return (
        footprint(),
        list(Subscription.objects.order_by("pk").values_list("pk", "version", "paused")),
    )


def test_every_writable_endpoint_has_fields_outside_its_write_set():
    for endpoint in ENDPOINTS:
        assert endpoint.outside, endpoint.name
        assert {"id", "version"} & set(endpoint.outside) or "revision" in endpoint.outside
    assert len(CASES) > 100


@pytest.mark.parametrize(("endpoint", "field"), CASES, ids=[f"{e.name}:{f}" for e, f in CASES])
def test_a_field_outside_the_write_set_is_refused_and_changes_nothing(users, ctx, endpoint, field):
    api = client(getattr(users, endpoint.caller))
    before = write_footprint()
    for value in VALUES:
        response = endpoint.send(api, ctx, {field: value})
        body = assert_error(response, 400, field)
        assert body["fields"][field], body
        assert write_footprint() == before, (endpoint.name, field, value)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_the_same_body_without_the_extra_field_is_accepted(users, ctx, endpoint):
    """The control: the 400s above come from the extra field, nothing else."""
    response = endpoint.send(client(getattr(users, endpoint.caller)), ctx, {})
    assert response.status_code in (200, 201), response.content[:300]


# --- well formed, but not the caller's to write --------------------------------------


def test_a_marking_above_the_writers_clearance_is_403_and_writes_nothing(users, ctx):
    before = write_footprint()
    confidential = {"marking": {"level": "confidential"}}
    api = client(users.editor)  # cleared restricted
    assert_error(send_assessment(api, ctx, confidential), 403)
    assert_error(send_evidence(api, ctx, confidential), 403)
    assert_error(send_cell_patch(api, ctx, confidential), 403)
    assert_error(
        api.patch(url(f"evidence/{ctx['evidence'].public_id}/"), confidential, HTTP_IF_MATCH="*"),
        403,
    )
    # Releasable to a party the writer does not belong to: they could not read it back.
    elsewhere = {"marking": {"level": "restricted", "releasable_to": ["FR"]}}
    assert_error(send_assessment(api, ctx, elsewhere), 403)
    assert write_footprint() == before


def test_a_cell_outside_the_writers_scope_is_403_and_writes_nothing(users, ctx):
    before = write_footprint()
    api = client(users.editor)  # scope DZ, MA
    tunisia = cell_at(11, "TN")
    assert_error(api.post(url("assessments/"), assessment_body(tunisia, users.editor)), 403)
    assert_error(
        api.patch(
            url(f"cells/{tunisia.pk}/"),
            {"level": "agreed", "effective_on": "2013-05-01", "rationale": "x"},
            HTTP_IF_MATCH="*",
        ),
        403,
    )
    assert_error(send_evidence(api, ctx, {"cells": [tunisia.pk]}), 403)
    assert_error(
        api.patch(
            url(f"evidence/{ctx['evidence'].public_id}/"),
            {"cells": [tunisia.pk]},
            HTTP_IF_MATCH="*",
        ),
        403,
    )
    assert write_footprint() == before


@pytest.mark.parametrize("role", ["reader", "analyst"])
def test_read_only_roles_write_nothing(users, ctx, role):
    before = write_footprint()
    api = client(getattr(users, role))
    for send in (
        send_assessment,
        send_cell_patch,
        send_evidence,
        send_evidence_patch,
        send_evidence_retract,
        send_assessment_retract,
    ):
        assert_error(send(api, ctx, {}), 403)
    assert write_footprint() == before


def test_someone_elses_subscription_does_not_exist_for_you(users, ctx):
    before = write_footprint()
    assert_error(send_subscription_patch(client(users.reader), ctx, {}), 404)
    path = url(f"subscriptions/{ctx['subscription'].pk}/")
    assert_error(client(users.reader).delete(path, HTTP_IF_MATCH="*"), 404)
    assert write_footprint() == before
