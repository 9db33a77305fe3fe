"""A refusal reads the same whether what it names is hidden or does not exist.

For every parameter, body field, path segment and admin filter that names an
initiative, source, evidence item or marking (countries, measures and cells
are never hidden), a value naming a row the caller may not see gets the same
status, error code and message as a value naming nothing — the value itself
aside, when the message echoes it. Otherwise the refusal is an oracle: "that
exists, and you are not cleared for it".
"""

import datetime
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from countries.models import Initiative
from measures import services
from measures.models import Assessment, Evidence, Source
from tests.api_helpers import client, footprint, url
from tests.factories import cell_at, make_user

pytestmark = pytest.mark.django_db

HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE = "gctf", "zzzz-initiative"
HIDDEN_SOURCE, UNKNOWN_SOURCE = "001", "zzzz-source"


@pytest.fixture
def hidden(users):
    """What the restricted editor (DZ, MA; no affiliation) may not see, and
    values of the same kind that name nothing."""
    editor = users.editor
    assert not Initiative.objects.visible_to(editor).filter(slug=HIDDEN_INITIATIVE).exists()
    assert Initiative.objects.filter(slug=HIDDEN_INITIATIVE).exists()
    assert not Source.objects.visible_to(editor).filter(key=HIDDEN_SOURCE).exists()
    assert Source.objects.filter(key=HIDDEN_SOURCE).exists()
    evidence = Evidence.objects.exclude(pk__in=Evidence.objects.visible_to(editor)).first()
    assessment = Assessment.objects.exclude(pk__in=Assessment.objects.visible_to(editor)).first()
    assert evidence is not None and assessment is not None

    class Hidden:
        initiative = Initiative.objects.get(slug=HIDDEN_INITIATIVE)
        source = Source.objects.get(key=HIDDEN_SOURCE)
        evidence_id = str(evidence.public_id)
        unknown_evidence_id = str(uuid.uuid4())
        assessment_id = str(assessment.public_id)
        unknown_assessment_id = str(uuid.uuid4())

    return Hidden


def same_refusal(hidden_response, unknown_response, hidden_value="", unknown_value=""):
    """Same status and body once the value the caller sent is set aside."""
    assert hidden_response.status_code == unknown_response.status_code, (
        hidden_response.status_code,
        unknown_response.status_code,
    )
    assert hidden_response.status_code >= 400
    assert hidden_response["Content-Type"] == unknown_response["Content-Type"]
    body = hidden_response.content.decode()
    if hidden_value:
        body = body.replace(str(hidden_value), str(unknown_value))
    assert json.loads(body) == unknown_response.json()
    return unknown_response.json()


def editor_of_the_tests():
    """The restricted editor every request here is sent as (``users.editor``)."""
    return get_user_model().objects.get(username="editor_dz")


def assessment_body(marking=None, **fields):
    cell = cell_at(6, "MA")
    body = {
        "cell": cell.pk,
        "expected_version": cell.version_for(editor_of_the_tests()),
        "level": "partial",
        "effective_on": "2020-01-01",
        "rationale_en": "Seen.",
        **fields,
    }
    if marking is not None:
        body["marking"] = marking
    return body


def evidence_body(**fields):
    public_source = Source.objects.filter(marking__level="public").order_by("key").first()
    return {
        "source": public_source.key,
        "occurred_on": "2012-01-01",
        "summary_en": "A fact.",
        "locator": "p. 1",
        "direction": "supports",
        "reliability": "B2",
        **fields,
    }


def releasable(value):
    return {"level": "restricted", "releasable_to": [value]}


# (name, method, path, body for a value) — the body or path names the value.
BODY_FIELDS = [
    (
        "assessment marking releasable_to",
        "post",
        lambda h, v: ("assessments/", assessment_body(releasable(v))),
    ),
    (
        "cell PATCH marking releasable_to",
        "patch",
        lambda h, v: (
            f"cells/{cell_at(6, 'MA').pk}/",
            {
                "level": "partial",
                "effective_on": "2020-01-01",
                "rationale": "Seen.",
                "marking": releasable(v),
            },
        ),
    ),
    (
        "assessment evidence",
        "post",
        lambda h, v: ("assessments/", assessment_body(evidence=[v])),
    ),
    (
        "evidence marking releasable_to",
        "post",
        lambda h, v: ("evidence/", evidence_body(marking=releasable(v))),
    ),
    ("evidence source", "post", lambda h, v: ("evidence/", evidence_body(source=v))),
    ("evidence initiatives", "post", lambda h, v: ("evidence/", evidence_body(initiatives=[v]))),
    ("subscription initiatives", "post", lambda h, v: ("subscriptions/", {"initiatives": [v]})),
]


def values(name, h):
    if name.split()[-1] == "evidence":
        return h.evidence_id, h.unknown_evidence_id
    if name.endswith("source"):
        return HIDDEN_SOURCE, UNKNOWN_SOURCE
    return HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE


@pytest.mark.parametrize(("name", "method", "request_for"), BODY_FIELDS, ids=lambda x: x)
def test_a_body_field_naming_a_hidden_row_is_refused_like_one_naming_nothing(
    users, hidden, name, method, request_for
):
    api = client(users.editor)
    hidden_value, unknown_value = values(name, hidden)
    before = footprint()
    responses = []
    for value in (hidden_value, unknown_value):
        path, body = request_for(hidden, value)
        headers = {}
        if method == "patch":
            headers["HTTP_IF_MATCH"] = api.get(url(path))["ETag"]
        responses.append(getattr(api, method)(url(path), body, format="json", **headers))
    body = same_refusal(*responses, hidden_value, unknown_value)
    assert body["status"] == 400 and body["code"] == "invalid" and body["fields"]
    assert footprint() == before


def test_evidence_patch_linking_a_hidden_initiative_is_refused_like_a_typo(users, hidden):
    api = client(users.editor)
    item = Evidence.objects.visible_to(users.editor).filter(retracted=False).first()
    path = url(f"evidence/{item.public_id}/")
    responses = [
        api.patch(path, {"initiatives": [v]}, format="json", HTTP_IF_MATCH=api.get(path)["ETag"])
        for v in (HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE)
    ]
    body = same_refusal(*responses, HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE)
    assert body["fields"]["initiatives"]


# (path, hidden value, unknown value) for query parameters: a 400 naming the field.
def query_cases(h):
    return [
        ("cells/?initiative={}", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("assessments/?initiative={}", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("evidence/?initiative={}", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("measures/?initiative={}", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("countries/?initiative={}", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("evidence/?source={}", HIDDEN_SOURCE, UNKNOWN_SOURCE),
    ]


def test_a_query_parameter_naming_a_hidden_row_is_a_400_like_a_typo(users, hidden):
    api = client(users.editor)
    for template, hidden_value, unknown_value in query_cases(hidden):
        responses = [api.get(url(template.format(v))) for v in (hidden_value, unknown_value)]
        body = same_refusal(*responses, hidden_value, unknown_value)
        field = template.split("?")[1].split("=")[0]
        assert body["status"] == 400 and list(body["fields"]) == [field], template


def path_cases(h):
    return [
        ("get", "initiatives/{}/", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("get", "scorecards/initiatives/{}/", HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE),
        ("get", "sources/{}/", HIDDEN_SOURCE, UNKNOWN_SOURCE),
        ("get", "evidence/{}/", h.evidence_id, h.unknown_evidence_id),
        ("patch", "evidence/{}/", h.evidence_id, h.unknown_evidence_id),
        ("post", "evidence/{}/retract/", h.evidence_id, h.unknown_evidence_id),
        ("get", "assessments/{}/", h.assessment_id, h.unknown_assessment_id),
        ("post", "assessments/{}/retract/", h.assessment_id, h.unknown_assessment_id),
    ]


def test_a_path_naming_a_hidden_row_is_the_same_404_as_one_naming_nothing(users, hidden):
    api = client(users.editor)
    for method, template, hidden_value, unknown_value in path_cases(hidden):
        responses = [
            getattr(api, method)(url(template.format(v)), {"reason": "x"}, format="json")
            for v in (hidden_value, unknown_value)
        ]
        body = same_refusal(*responses)
        assert body["status"] == 404, template


# --- the services (admin, pages, commands) ------------------------------------------


def refusal(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_the_services_refuse_a_hidden_releasable_to_code_like_an_unknown_one(users, hidden):
    cell = cell_at(6, "MA")

    def record(code):
        return lambda: services.record_assessment(
            users.editor,
            cell,
            level="partial",
            effective_on=datetime.date(2020, 1, 1),
            expected_version=cell.version_for(users.editor),
            rationale_en="Seen.",
            marking=("restricted", [code]),
        )

    before = footprint()
    hidden_refusal = refusal(record(HIDDEN_INITIATIVE))
    unknown_refusal = refusal(record(UNKNOWN_INITIATIVE))
    assert json.dumps(hidden_refusal).replace(HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE) == json.dumps(
        unknown_refusal
    )
    assert list(unknown_refusal) == ["marking"]
    assert footprint() == before


def test_granting_an_affiliation_hidden_from_the_admin_is_refused_like_a_typo(users, hidden):
    admin = make_user("admin_restricted", role="admin", clearance="restricted")
    target = make_user("someone", role="reader", clearance="public")

    def give(code):
        return lambda: services.grant(
            admin, target, role="reader", clearance="public", affiliations=[code]
        )

    hidden_refusal = refusal(give(HIDDEN_INITIATIVE))
    unknown_refusal = refusal(give(UNKNOWN_INITIATIVE))
    assert json.dumps(hidden_refusal).replace(HIDDEN_INITIATIVE, UNKNOWN_INITIATIVE) == json.dumps(
        unknown_refusal
    )
    assert list(unknown_refusal) == ["affiliations"]


# --- the admin's list filters ---------------------------------------------------------


def test_an_admin_list_filter_on_a_hidden_row_shows_what_an_unknown_id_shows(users, hidden):
    browser = Client()
    browser.force_login(users.editor)
    cases = [
        ("/admin/measures/evidence/?source={}", hidden.source.pk),
        ("/admin/measures/evidence/?initiatives={}", hidden.initiative.pk),
        ("/admin/measures/cell/?initiative={}", hidden.initiative.pk),
    ]
    unknown_id = 10**9
    for template, hidden_id in cases:
        pages = [browser.get(template.format(v)) for v in (hidden_id, unknown_id)]
        assert pages[0].status_code == pages[1].status_code == 200, template
        counts = [p.context["cl"].result_count for p in pages]
        assert counts == [0, 0], (template, counts)
