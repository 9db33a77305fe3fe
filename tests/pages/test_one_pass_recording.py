"""One-pass recording on the cell page (issue 14 §3): one form for the level,
the evidence it cites and new evidence with a new source; no level chosen
in advance; a warning, not a refusal, when nothing is cited; every typed
value kept on any error; a picker filtered to what concerns the cell, and
searchable, that never offers what the editor may not see."""

import datetime

import pytest
from django.urls import reverse

from measures.models import Assessment, Evidence, Source
from tests.canaries import plant
from tests.factories import EvidenceFactory, cell_at, marking

pytestmark = pytest.mark.django_db


def posted(cell, user, **overrides):
    """The one-pass form as an editor fills it: a level, a rationale, new
    evidence and a new source (drop the parts with ``overrides``)."""
    data = {
        "action": "record",
        "version": cell.version_for(user),
        "level": "agreed",
        "effective_on": "2013-05-01",
        "effective_precision": "day",
        "rationale_en": "Agreed at the ministerial.",
        "rationale_fr": "",
        "marking": "",
        "q": "",
        "new_evidence-summary_en": "Ministers agreed a weapons register.",
        "new_evidence-summary_fr": "",
        "new_evidence-occurred_on": "2013-04-20",
        "new_evidence-occurred_precision": "day",
        "new_evidence-source": "",
        "new_evidence-locator": "§ 12",
        "new_evidence-quote": "a register",
        "new_evidence-direction": "supports",
        "new_evidence-source_reliability": "B",
        "new_evidence-information_credibility": "2",
        "new_evidence-marking": "",
        "new_source-title": "Communiqué of the ministerial",
        "new_source-publisher": "5+5 Defence",
        "new_source-published_on": "2013-04-21",
        "new_source-url": "https://example.org/c.pdf",
        "new_source-language": "en",
        "new_source-marking": "public",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def without_new_parts(data):
    return {k: v for k, v in data.items() if not k.startswith(("new_evidence-", "new_source-"))}


def offered(response):
    return [value for value, _label in response.context["form"].fields["evidence"].choices]


def test_the_blank_form_chooses_no_level_and_warns_that_nothing_is_cited(client, users):
    cell = cell_at(17, "DZ")  # rated by the seed: its level is not offered as a default
    client.force_login(users.editor)
    page = client.get(reverse("cell", args=[cell.pk]))
    form = page.context["form"]
    assert form["level"].value() in (None, "")
    assert form.fields["level"].choices[0][0] == ""
    assert form.fields["level"].required
    body = page.content.decode()
    assert '<p class="warning" id="nothing-cited" role="status">' in body
    assert body.count('id="assessment-form"') == 1
    assert 'name="new_evidence-summary_en"' in body and 'name="new_source-title"' in body
    assert 'value="evidence"' not in body  # no second form for evidence alone


def test_a_missing_level_is_asked_for(client, users):
    cell = cell_at(4, "DZ")
    client.force_login(users.editor)
    response = client.post(reverse("cell", args=[cell.pk]), posted(cell, users.editor, level=""))
    assert response.status_code == 400
    assert response.context["form"].errors["level"]
    assert not Assessment.objects.filter(cell=cell).exists()


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_one_post_records_the_level_new_evidence_and_a_new_source_linked(client, users):
    cell = cell_at(4, "DZ")
    client.force_login(users.editor)
    response = client.post(reverse("cell", args=[cell.pk]), posted(cell, users.editor))
    assert response.status_code == 302
    source = Source.objects.get(title="Communiqué of the ministerial")
    item = Evidence.objects.get(summary_en="Ministers agreed a weapons register.")
    recorded = Assessment.objects.get(cell=cell)
    assert item.source == source and list(item.cells.all()) == [cell]
    assert list(recorded.evidence.all()) == [item]
    body = client.get(response["Location"]).content.decode()
    assert "Assessment recorded." in body
    assert "New source added: Communiqué of the ministerial." in body
    assert "New evidence added to this cell and cited." in body
    assert "Saved without evidence" not in body


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_saving_with_nothing_cited_is_allowed_and_says_so(client, users):
    cell = cell_at(4, "DZ")
    client.force_login(users.editor)
    response = client.post(
        reverse("cell", args=[cell.pk]), without_new_parts(posted(cell, users.editor))
    )
    assert response.status_code == 302
    assert not Assessment.objects.get(cell=cell).evidence.exists()
    body = client.get(response["Location"]).content.decode()
    assert "Saved without evidence: nothing was cited." in body


def test_every_typed_value_is_kept_on_a_form_error_in_any_part(client, users):
    cell = cell_at(4, "DZ")
    client.force_login(users.editor)
    data = posted(
        cell,
        users.editor,
        level="",  # the assessment part is wrong
        **{"new_source-url": "not a url"},  # and so is the new source
    )
    response = client.post(reverse("cell", args=[cell.pk]), data)
    assert response.status_code == 400
    ctx = response.context
    assert ctx["form"].errors["level"] and ctx["source_form"].errors["url"]
    for key, value in data.items():
        if key in ("action", "version", "level") or not value:
            continue
        prefix, _dash, name = key.rpartition("-")
        form = {"": ctx["form"], "new_evidence": ctx["evidence_form"]}.get(
            prefix, ctx["source_form"]
        )
        assert str(form[name].value()) == value, key
    assert not ctx["nothing_cited"]
    assert '<details class="new-source" id="new-source" open>' in response.content.decode()
    assert Source.objects.filter(title="Communiqué of the ministerial").count() == 0


def test_a_service_refusal_lands_on_the_inline_part_it_concerns(client, users):
    cell = cell_at(4, "DZ")
    client.force_login(users.editor)
    data = posted(
        cell,
        users.editor,
        **{"new_source-marking": "restricted", "new_evidence-marking": "public"},
    )
    response = client.post(reverse("cell", args=[cell.pk]), data)
    assert response.status_code == 400
    errors = response.context["evidence_form"].errors
    assert "at least as high as the source" in " ".join(errors["marking"])
    assert response.context["form"]["rationale_en"].value() == "Agreed at the ministerial."
    assert response.context["source_form"]["title"].value() == "Communiqué of the ministerial"
    assert not Source.objects.filter(title="Communiqué of the ministerial").exists()
    assert not Evidence.objects.filter(summary_en="Ministers agreed a weapons register.").exists()


def test_the_picker_offers_this_cell_then_its_country_then_its_measure_and_nothing_else(
    client, users
):
    cell = cell_at(4, "DZ")
    own = EvidenceFactory(cells=[cell], occurred_on=datetime.date(2010, 1, 1))
    country = EvidenceFactory(cells=[cell_at(11, "DZ")], occurred_on=datetime.date(2014, 1, 1))
    measure = EvidenceFactory(cells=[cell_at(4, "TN")], occurred_on=datetime.date(2015, 1, 1))
    unrelated = EvidenceFactory(
        cells=[cell_at(11, "TN")], summary_en="Tunisian border talks, unrelated"
    )
    client.force_login(users.editor)
    page = client.get(reverse("cell", args=[cell.pk]))
    ids = offered(page)
    assert ids[0] == str(own.public_id)
    assert ids.index(str(country.public_id)) < ids.index(str(measure.public_id))
    assert str(unrelated.public_id) not in ids
    labels = dict(page.context["form"].fields["evidence"].choices)
    assert labels[str(own.public_id)].startswith("this cell · 2010-01-01 · ")
    # A search finds it wherever it was filed, by a word of its summary.
    found = client.get(reverse("cell", args=[cell.pk]), {"q": "tunisian border"})
    assert offered(found) == [str(unrelated.public_id)]
    assert found.context["form"]["q"].value() == "tunisian border"


@pytest.mark.usefixtures("review_off")  # records changes of level; not about review
def test_a_search_keeps_the_typed_values_and_the_ticks_and_saves_nothing(client, users):
    cell = cell_at(4, "DZ")
    own = EvidenceFactory(cells=[cell])
    unrelated = EvidenceFactory(cells=[cell_at(11, "TN")], summary_en="Tunisian border talks")
    client.force_login(users.editor)
    data = posted(cell, users.editor, action="search", q="tunisian", evidence=[str(own.public_id)])
    response = client.post(reverse("cell", args=[cell.pk]), data)
    assert response.status_code == 200
    ctx = response.context
    assert set(offered(response)) == {str(own.public_id), str(unrelated.public_id)}
    assert ctx["form"]["evidence"].value() == [str(own.public_id)]
    assert ctx["form"]["rationale_en"].value() == "Agreed at the ministerial."
    assert ctx["form"]["level"].value() == "agreed"
    assert ctx["evidence_form"]["locator"].value() == "§ 12"
    assert ctx["source_form"]["title"].value() == "Communiqué of the ministerial"
    assert not ctx["form"].errors and not ctx["source_form"].errors
    assert not Assessment.objects.filter(cell=cell).exists()
    # Then the record, citing what the search found.
    data.update(action="record", evidence=[str(own.public_id), str(unrelated.public_id)])
    done = client.post(reverse("cell", args=[cell.pk]), without_new_parts(data))
    assert done.status_code == 302
    assert set(Assessment.objects.get(cell=cell).evidence.all()) == {own, unrelated}


def test_the_picker_never_offers_evidence_the_editor_may_not_see(client, users):
    cell = cell_at(11, "MA")
    canary = plant(
        users.confidential_editor,
        cell,
        "implemented",
        datetime.date(2013, 1, 1),
        marking=marking("confidential", "MA"),
    )
    client.force_login(users.editor)  # cleared restricted
    for query in ({}, {"q": canary.text}, {"q": "seen at the border"}):
        page = client.get(reverse("cell", args=[cell.pk]), query)
        assert str(canary.evidence.public_id) not in offered(page)
        body = page.content.decode()
        assert f"{canary.text} seen at the border" not in body  # its summary
        assert f"Report {canary.text}" not in body  # its source
    # Ticking it by its id does not make it offered, nor citable.
    data = without_new_parts(posted(cell, users.editor, evidence=[str(canary.evidence.public_id)]))
    response = client.post(reverse("cell", args=[cell.pk]), data)
    assert response.status_code == 400
    assert f"{canary.text} seen at the border" not in response.content.decode()
    assert not Assessment.objects.filter(cell=cell, recorded_by=users.editor).exists()
