"""The resources of /api/v1/: who may read what, their shape, and every filter."""

import datetime

import pytest
from django.utils import timezone

from measures import services
from measures.models import Assessment, Cell, Evidence, Source
from tests.api_helpers import (
    LISTS,
    RESOURCES,
    SCORECARDS,
    ReadResourceTests,
    assert_error,
    client,
    everything,
    url,
)
from tests.factories import EvidenceFactory, SourceFactory, assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date


# --- what every resource does (tests/api_helpers.py) ------------------------------


class TestMeasures(ReadResourceTests):
    resource = RESOURCES["measures"]


class TestSources(ReadResourceTests):
    resource = RESOURCES["sources"]


class TestStatuses(ReadResourceTests):
    resource = RESOURCES["cells"]


class TestAssessments(ReadResourceTests):
    resource = RESOURCES["assessments"]


class TestEvidence(ReadResourceTests):
    resource = RESOURCES["evidence"]


class TestIndicators(ReadResourceTests):
    resource = RESOURCES["indicators"]


# --- who may call at all ---------------------------------------------------------


@pytest.mark.parametrize("path", [*SCORECARDS, "changes/"])
def test_anonymous_callers_get_401_when_public_reading_is_off(settings, db, path):
    settings.CBM_PUBLIC_READ = False
    response = client().get(url(path))
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", [*(f"{name}/" for name in LISTS), *SCORECARDS, "changes/"])
def test_with_public_reading_on_anonymous_callers_see_what_a_public_reader_sees(
    settings, users, path
):
    settings.CBM_PUBLIC_READ = True
    params = {"page_size": 1000}
    anonymous = client().get(url(path), params)
    reader = client(users.reader).get(url(path), params)
    assert anonymous.status_code == reader.status_code == 200
    assert anonymous.json() == reader.json()


def test_with_public_reading_on_anonymous_callers_still_may_not_write(settings, users):
    settings.CBM_PUBLIC_READ = True
    cell = cell_at(6, "MA")
    response = client().post(
        url("assessments/"),
        {
            "cell": cell.pk,
            "expected_version": cell.version_for(users.reader),  # what anonymous reads
            "level": "implemented",
            "effective_on": "2013-01-01",
            "rationale_en": "Anonymous.",
        },
    )
    assert_error(response, 401)
    assert not Assessment.objects.filter(rationale_en="Anonymous.").exists()


# --- lists and details for each role -------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees_cable"),
    [
        ("reader", False),
        ("restricted_reader", False),
        ("french_analyst", False),  # cleared, but the cable is not releasable to France
        ("analyst", True),  # NATO
        ("moroccan_analyst", True),
        ("editor", False),
        ("admin", True),
    ],
)
def test_each_role_sees_the_confidential_cable_only_when_cleared_and_releasable(
    users, role, sees_cable
):
    api = client(getattr(users, role))
    sources = {s["key"] for s in everything(api, "sources/")}
    evidence = everything(api, "evidence/")
    assessments = everything(api, "assessments/")
    from_cable = Evidence.objects.filter(source__key="001")
    assert ("001" in sources) is sees_cable
    assert len(evidence) == Evidence.objects.count() - (0 if sees_cable else from_cable.count())
    assert any(e["source"] == "001" for e in evidence) is sees_cable
    confidential = [a for a in assessments if a["marking"]["level"] == "confidential"]
    assert bool(confidential) is sees_cable
    assert (
        len(assessments)
        == Assessment.objects.filter(**({} if sees_cable else {"marking__level": "public"})).count()
    )
    detail = api.get(url("sources/001/"))
    if sees_cable:
        assert detail.status_code == 200
    else:
        assert_error(detail, 404)  # hidden objects do not exist for the caller: never 403


def test_the_current_level_of_a_cell_is_computed_from_what_the_caller_sees(users):
    cell = cell_at(17, "MA")  # public: not_started 2010; confidential: under_discussion 2012
    public = client(users.reader).get(url(f"cells/{cell.pk}/")).json()
    cleared = client(users.moroccan_analyst).get(url(f"cells/{cell.pk}/")).json()
    assert (public["level"], public["effective_on"]) == ("not_started", "2010-04-21")
    assert (cleared["level"], cleared["effective_on"]) == ("under_discussion", "2012-02-07")


def test_a_cell_an_assessment_and_an_evidence_item_have_their_fields(users):
    api = client(users.reader)
    cell = cell_at(6, "MA")
    body = api.get(url(f"cells/{cell.pk}/")).json()
    assert body == {
        "id": cell.pk,
        "measure": 6,
        "country": "MA",
        "partner": None,
        "scope": "regional",
        "level": "partial",
        "effective_on": "2010-01-01",
        "version": cell.version_for(users.reader),
    }
    assert body["version"] == 2  # one assessment the reader may see
    assessment = Assessment.objects.filter(cell=cell).get()
    body = api.get(url(f"assessments/{assessment.public_id}/")).json()
    assert body["id"] == str(assessment.public_id) and body["cell"] == cell.pk
    assert "revision" not in body
    assert (body["measure"], body["country"], body["partner"]) == (6, "MA", None)
    assert body["level"] == "partial" and body["recorded_by"] == "system"
    assert body["marking"] == {"level": "public", "releasable_to": [], "label": "PUBLIC"}
    assert body["evidence"] == sorted(
        str(p) for p in assessment.evidence.values_list("public_id", flat=True)
    )
    item = assessment.evidence.first()
    body = api.get(url(f"evidence/{item.public_id}/")).json()
    assert body["id"] == str(item.public_id)
    assert {"summary_en", "summary_fr", "quote", "locator", "occurred_on", "source"} <= set(body)
    assert {"direction", "reliability", "marking", "cells", "initiatives", "version"} <= set(body)
    assert body["reliability"] == item.reliability
    assert {"id": cell.pk, "measure": 6, "country": "MA", "partner": None} in body["cells"]


def test_an_initiative_the_caller_may_not_see_is_absent_from_a_measure(users):
    m17 = client(users.reader).get(url("measures/17/")).json()
    assert "pap-t" not in {c["initiative"] for c in m17["initiatives"]}
    m17 = client(users.analyst).get(url("measures/17/")).json()
    assert "pap-t" in {c["initiative"] for c in m17["initiatives"]}


# --- filters: cells -------------------------------------------------------------


def test_cells_filter_by_country_also_matching_the_partner_of_a_pair(users):
    rows = everything(client(users.reader), "cells/", country="MA")
    assert rows and all("MA" in (r["country"], r["partner"]) for r in rows)
    assert {"DZ", "MA"} <= {r["country"] for r in rows if r["partner"] == "MA"} | {"MA"}
    both = everything(client(users.reader), "cells/", country=["MA", "TN"])
    assert {r["country"] for r in both if r["partner"] is None} == {"MA", "TN"}


def test_cells_filter_by_partner_measure_scope_domain_and_level(users):
    api = client(users.reader)
    rows = everything(api, "cells/", partner="MR")
    assert rows and all(r["partner"] == "MR" for r in rows)
    for query in ({"measure": [2, 9]}, {"measure": "2,9"}):
        rows = everything(api, "cells/", **query)
        assert {r["measure"] for r in rows} == {2, 9}
    rows = everything(api, "cells/", scope="bilateral")
    assert rows and all(r["scope"] == "bilateral" and r["partner"] for r in rows)
    rows = everything(api, "cells/", domain="civil_protection")
    assert {r["measure"] for r in rows} == {18}
    rows = everything(api, "cells/", level="suspended")
    assert rows and all(r["level"] == "suspended" for r in rows)
    assert (2, "DZ", "ML") in {(r["measure"], r["country"], r["partner"]) for r in rows}
    rows = everything(api, "cells/", level="no_evidence", measure=6)
    assert rows and all(r["effective_on"] is None for r in rows)
    assert "MA" not in {r["country"] for r in rows}


def test_cells_filter_by_initiative_members_at_a_date(users):
    api = client(users.reader)
    rows = everything(api, "cells/", initiative="5plus5", measure=6)
    assert {r["country"] for r in rows} == {"DZ", "ES", "FR", "IT", "LY", "MA", "MR", "MT"} | {
        "PT",
        "TN",
    }
    assert everything(api, "cells/", initiative="5plus5", measure=6, as_of="2000-01-01") == []


def test_cells_as_of_replays_history_and_updated_since_selects_recent_changes(users):
    api = client(users.reader)
    # not_started 2008, partial 2010-04-21, reconfirmed 2010-09-26, suspended 2012-06-01
    cell = cell_at(17, "DZ")
    then = api.get(url(f"cells/{cell.pk}/"), {"as_of": "2010-06-01"}).json()
    assert (then["level"], then["effective_on"]) == ("partial", "2010-04-21")
    then = api.get(url(f"cells/{cell.pk}/"), {"as_of": "2011-01-01"}).json()
    assert (then["level"], then["effective_on"]) == ("partial", "2010-09-26")
    rows = everything(api, "cells/", measure=17, country="DZ", as_of="2009-01-01")
    assert [r["level"] for r in rows] == ["not_started"]
    since = timezone.now()
    assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    rows = everything(api, "cells/", updated_since=since.isoformat())
    assert [(r["measure"], r["country"]) for r in rows] == [(11, "DZ")]


# --- filters: assessments ------------------------------------------------------------


def test_assessments_filters(users):
    api = client(users.admin)
    checks = [
        ({"country": "MA"}, lambda a: "MA" in (a["country"], a["partner"])),
        ({"partner": "NE"}, lambda a: a["partner"] == "NE"),
        ({"measure": [9, 17]}, lambda a: a["measure"] in (9, 17)),
        ({"scope": "bilateral"}, lambda a: a["partner"] is not None),
        ({"domain": "security"}, lambda a: a["measure"] == 17),
        ({"level": ["agreed", "partial"]}, lambda a: a["level"] in ("agreed", "partial")),
        ({"marking": "confidential"}, lambda a: a["marking"]["level"] == "confidential"),
        ({"as_of": "2009-12-31"}, lambda a: a["effective_on"] <= "2009-12-31"),
        (
            {"initiative": "cemoc"},
            lambda a: {a["country"], a["partner"]} & {"DZ", "ML", "MR", "NE"},
        ),
    ]
    total = len(everything(api, "assessments/"))
    for query, predicate in checks:
        rows = everything(api, "assessments/", **query)
        assert 0 < len(rows) < total, query
        assert all(predicate(a) for a in rows), query
    cell = cell_at(17, "MA")
    rows = everything(api, "assessments/", cell=cell.pk)
    assert {a["cell"] for a in rows} == {cell.pk} and len(rows) == 2


def test_assessments_filter_by_retracted_and_updated_since(users):
    api = client(users.editor)
    since = timezone.now()
    wrong = assess(users.editor, cell_at(11, "DZ"), "agreed", D(2012, 1, 1))
    cell = Cell.objects.get(pk=wrong.cell_id)

    services.retract_assessment(
        users.editor,
        wrong,
        reason="Wrong cell.",
        expected_version=cell.version_for(users.editor),
    )
    wrong_id = str(wrong.public_id)
    assert [a["id"] for a in everything(api, "assessments/", retracted="true")] == [wrong_id]
    assert wrong_id not in {a["id"] for a in everything(api, "assessments/", retracted="false")}
    assert [a["id"] for a in everything(api, "assessments/", updated_since=since.isoformat())] == [
        wrong_id
    ]
    # A retraction moves the level back: the cell counts as updated, so does the assessment.
    assert [r["id"] for r in everything(api, "cells/", updated_since=since.isoformat())] == [
        wrong.cell_id
    ]
    later = timezone.now()
    old = Assessment.objects.get(cell=cell_at(6, "MA"))
    services.retract_assessment(
        users.admin,
        old,
        reason="Superseded.",
        expected_version=cell_at(6, "MA").version_for(users.admin),
    )
    assert [a["id"] for a in everything(api, "assessments/", updated_since=later.isoformat())] == [
        str(old.public_id)
    ]
    assert [r["id"] for r in everything(api, "cells/", updated_since=later.isoformat())] == [
        old.cell_id
    ]


def test_assessments_filter_by_initiative_ignores_memberships_the_caller_cannot_see(users):
    # Morocco's partnership in the security agreements is known only from the cable.
    reader = everything(client(users.reader), "assessments/", initiative="nato-security-agreements")
    analyst = everything(
        client(users.analyst), "assessments/", initiative="nato-security-agreements"
    )
    # (Morocco's pair with Mauritania, a public member, is in both lists.)
    assert "MA" not in {a["country"] for a in reader if a["partner"] is None}
    assert "MA" in {a["country"] for a in analyst if a["partner"] is None}


# --- filters: evidence ---------------------------------------------------------------


def test_evidence_filters(users):
    api = client(users.admin)
    cell = cell_at(17, "MA")
    checks = [
        (
            {"country": "MA"},
            lambda e: any("MA" in (c["country"], c["partner"]) for c in e["cells"]),
        ),
        ({"measure": "2,9"}, lambda e: {c["measure"] for c in e["cells"]} & {2, 9}),
        ({"cell": cell.pk}, lambda e: cell.pk in {c["id"] for c in e["cells"]}),
        ({"initiative": ["cemoc", "ufl"]}, lambda e: {"cemoc", "ufl"} & set(e["initiatives"])),
        ({"source": "003"}, lambda e: e["source"] == "003"),
        ({"direction": "undermines"}, lambda e: e["direction"] == "undermines"),
        ({"marking": "confidential"}, lambda e: e["marking"]["level"] == "confidential"),
        ({"occurred_after": "2012-01-01"}, lambda e: e["occurred_on"] >= "2012-01-01"),
        ({"occurred_before": "2009-12-31"}, lambda e: e["occurred_on"] <= "2009-12-31"),
        ({"q": "CEN-SAD"}, lambda e: "cen-sad" in (e["summary_en"] + e["quote"]).lower()),
    ]
    total = len(everything(api, "evidence/"))
    for query, predicate in checks:
        rows = everything(api, "evidence/", **query)
        assert 0 < len(rows) < total, query
        assert all(predicate(e) for e in rows), query
        assert len({e["id"] for e in rows}) == len(rows), query  # no duplicate through joins


def test_evidence_filter_by_updated_since_and_retracted(users):
    since = timezone.now()
    item = EvidenceFactory(cells=[cell_at(11, "DZ")])
    rows = everything(client(users.reader), "evidence/", updated_since=since.isoformat())
    assert [e["id"] for e in rows] == [str(item.public_id)]

    older = EvidenceFactory(cells=[cell_at(11, "DZ")])
    since = timezone.now()
    services.retract_evidence(users.editor, item, reason="Misread.", expected_version=1)
    services.attach_evidence(users.editor, older, expected_version=1, cells=[cell_at(11, "MA")])
    rows = everything(client(users.reader), "evidence/", updated_since=since.isoformat())
    # retracted, linked:
    assert {e["id"] for e in rows} == {str(item.public_id), str(older.public_id)}
    api = client(users.reader)
    item_id = str(item.public_id)
    assert [e["id"] for e in everything(api, "evidence/", retracted="true")] == [item_id]
    assert item_id not in {e["id"] for e in everything(api, "evidence/", retracted="false")}


def test_evidence_filter_on_an_initiative_the_caller_cannot_see_is_an_unknown_choice(users):
    assert_error(
        client(users.reader).get(url("evidence/"), {"initiative": "pap-t"}), 400, "initiative"
    )
    assert everything(client(users.analyst), "evidence/", initiative="pap-t")


# --- filters: measures, sources, indicators ------------------------------------------


def test_measures_filters(users):
    api = client(users.reader)
    assert {m["number"] for m in everything(api, "measures/", domain="political")} == {
        13,
        14,
        15,
        16,
    }
    assert {m["number"] for m in everything(api, "measures/", scope="national")} == {5, 12}
    assert {m["number"] for m in everything(api, "measures/", initiative="5plus5")} == {6, 18}
    both = everything(api, "measures/", initiative=["5plus5", "amu"])
    assert {m["number"] for m in both} == {6, 16, 18, 20}
    assert [m["number"] for m in everything(api, "measures/", q="weapons register")] == [11]


def test_measures_filter_on_a_hidden_initiative_does_not_reveal_what_it_carries(users):
    assert_error(
        client(users.reader).get(url("measures/"), {"initiative": "pap-t"}), 400, "initiative"
    )
    assert [
        m["number"] for m in everything(client(users.analyst), "measures/", initiative="pap-t")
    ] == [17]


def test_sources_filters(users):
    api = client(users.analyst)
    # the cable, and the two founding treaties cited for outside facts
    assert [s["key"] for s in everything(api, "sources/", language="fr")] == [
        "001",
        "amu-treaty-1989",
        "censad-treaty-1998",
    ]
    assert [s["key"] for s in everything(api, "sources/", marking="confidential")] == ["001"]
    assert [s["key"] for s in everything(api, "sources/", q="Razoux")] == ["000"]
    assert [s["key"] for s in everything(client(users.reader), "sources/", language="fr")] == [
        "amu-treaty-1989",
        "censad-treaty-1998",
    ]


def test_indicators_filters(users):
    api = client(users.reader)
    rows = everything(api, "indicators/", measure=12)
    assert {i["slug"] for i in rows} == {"armed-forces-personnel", "military-expenditure"}
    rows = everything(api, "indicators/", country="TD")
    assert {i["slug"] for i in rows} == {"armed-forces-personnel", "military-expenditure"}


def test_a_source_list_for_a_restricted_reader_includes_restricted_sources(users):

    restricted = SourceFactory(marking=marking("restricted"))
    keys = {s["key"] for s in everything(client(users.restricted_reader), "sources/")}
    assert restricted.key in keys
    assert restricted.key not in {s["key"] for s in everything(client(users.reader), "sources/")}
    assert Source.objects.filter(key=restricted.key).exists()
