"""The search index keeps in step with every write, and can be rebuilt."""

import io

import pytest
from django.core.management import call_command

from countries.models import Country
from measures import services
from measures.models import Measure, SearchText, Source
from measures.reads.search import search
from tests.factories import EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def found(user, q, kind):
    return [h.key for g in search(user, q) if g.kind == kind for h in g.hits]


def test_an_edit_moves_the_index_in_the_same_write(users):
    source = SourceFactory(title="Pelican border survey")
    assert found(users.reader, "pelican", "source") == [source.key]
    source.title = "Flamingo border survey"
    services.save_source(users.admin, source, expected_version=source.version)
    assert found(users.reader, "pelican", "source") == []
    assert found(users.reader, "flamingo", "source") == [source.key]
    assert SearchText.objects.filter(kind="source", key=str(source.pk)).count() == 1


def test_reference_data_edited_by_an_admin_is_found_by_its_new_name(users):
    morocco = Country.objects.get(pk="MA")
    morocco.name_fr = "Royaume chérifien du Maroc"
    services.save_reference(users.admin, morocco, expected_version=morocco.version)
    assert found(users.reader, "cherifien", "country") == ["MA"]


def test_a_measure_is_found_by_its_short_titles_and_descriptions(users):
    measure = Measure.objects.get(number=13)
    for q in [measure.short_title_en, measure.short_title_fr, "leaders", "dirigeants"]:
        assert "13" in found(users.reader, q, "measure"), q


def test_evidence_is_found_by_summary_in_either_language_and_by_quote(users):
    item = EvidenceFactory(
        summary_en="Ibis count", summary_fr="Comptage des hérons", quote="egrets"
    )
    for q in ["ibis", "herons", "egrets"]:
        assert found(users.reader, q, "evidence") == [str(item.public_id)], q


def test_the_command_rebuilds_the_whole_index(users):
    expected = set(SearchText.objects.values_list("kind", "key", "title_en", "title_fr", "codes"))
    SearchText.objects.all().delete()
    assert found(users.reader, "Maroc", "country") == []
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue() == f"Indexed {len(expected)} rows for search.\n"
    assert (
        set(SearchText.objects.values_list("kind", "key", "title_en", "title_fr", "codes"))
        == expected
    )
    assert found(users.reader, "Maroc", "country") == ["MA"]
    assert SearchText.objects.count() == Source.objects.count() + 20 + 27 + 26 + 68
