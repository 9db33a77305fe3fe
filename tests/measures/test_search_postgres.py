"""Search on PostgreSQL: a weighted tsvector per row (GIN-indexed), each text
parsed with its language's configuration, ranked by ts_rank."""

import pytest
from django.db import connection

from measures.models import SearchText
from measures.reads.search import matching, search, words
from tests.factories import EvidenceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def found(user, q, kind):
    return [h.key for g in search(user, q) if g.kind == kind for h in g.hits]


def test_every_row_has_its_vector_and_the_vectors_are_gin_indexed():
    assert connection.vendor == "postgresql"
    assert not SearchText.objects.filter(vector__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'measures_searchtext' "
            "AND indexname = 'measures_searchtext_vector'"
        )
        assert "USING gin (vector)" in cursor.fetchone()[0]


def test_english_and_french_words_are_stemmed_in_their_own_language(users):
    # "hotlines" and "leader" reach "hotline" and "leaders" through 'english';
    # "téléphoniques" and "dirigeant" reach the French title through 'french'.
    for q in ["hotlines", "leader", "telephoniques", "dirigeant", "Maroc", "Algérie"]:
        assert found(users.reader, q, "measure") + found(users.reader, q, "country"), q
    assert "13" in found(users.reader, "téléphoniques dirigeant", "measure")


def test_codes_are_matched_word_for_word(users):
    assert found(users.reader, "MAR", "country") == ["MA"]
    assert "cemoc" in found(users.reader, "CEMOC", "initiative")


def test_ts_rank_puts_a_title_before_a_quote_whatever_else_the_table_holds(users):
    in_quote = EvidenceFactory(summary_en="Aardvark talks", quote="pangolin pangolin")
    in_summary = EvidenceFactory(summary_en="Zebu pangolin talks")
    assert found(users.reader, "pangolin", "evidence") == [
        str(in_summary.public_id),
        str(in_quote.public_id),
    ]
    ranks = dict(matching(words("pangolin")).values_list("sort_name", "rank"))
    assert ranks["Zebu pangolin talks"] > ranks["Aardvark talks"] > 0
