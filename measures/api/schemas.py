"""What the OpenAPI schema says the scorecards and the change feed return.

These serializers only describe: the views hand back the plain dicts that
measures/reads/scorecards.py and measures/reads/changes.py build, and
nothing here runs on a request. Each class follows one dict of that code
field by field (the function is named in its docstring), so a client
generated from the schema gets typed models, and schemathesis checks every
response against them (tests/security/test_fuzz_api.py).

A key present only sometimes is ``required=False`` (``trend`` only with
``compare_to``, ``pairs`` only on bilateral measures); a key always present
whose value may be null is ``allow_null=True``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from countries.choices import DatePrecision, MembershipRole
from measures.choices import NO_EVIDENCE, Action, Domain, Level, Scope
from measures.reads import exports
from measures.reads.scorecards import COUNTED_LEVELS, MIXED

# The level of one cell as a viewer sees it: an assessed level, or none they may see.
CELL_LEVELS = [*Level.choices, (NO_EVIDENCE, "no evidence")]
# A country's level on a measure: on a bilateral one, the pairs' common level or mixed.
SCORE_LEVELS = [*CELL_LEVELS, (MIXED, "mixed")]
# What a feed record says happened to the row, for the caller: besides the
# writes, a row that became hidden to them (``hide``) or visible (``show``).
FEED_ACTIONS = [*Action.choices, ("hide", "hidden from you"), ("show", "shown to you")]


def _iso2(**kwargs):
    return serializers.CharField(min_length=2, max_length=2, **kwargs)


def _score(help_text, **kwargs):
    return serializers.FloatField(min_value=0, max_value=1, help_text=help_text, **kwargs)


def _count(help_text=None):
    return serializers.IntegerField(min_value=0, help_text=help_text)


def _precision(**kwargs):
    return serializers.ChoiceField(
        choices=DatePrecision.choices,
        allow_null=True,
        help_text="How precise effective_on is: a month's date is its 1st, a year's 1 January.",
        **kwargs,
    )


def _serializer(name, doc, fields):
    """A documentation serializer with ``fields`` in the order the response has them."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, "__module__": __name__, **fields})


LevelCountsSerializer = _serializer(
    "LevelCountsSerializer",
    "How many of the selected measures are at each level (every level, zeros too).",
    {level: _count() for level in COUNTED_LEVELS},
)


class ScoreTrendSerializer(serializers.Serializer):
    """``trend`` of a country row or card (countries_scorecard, country_scorecard):
    the score at ``compare_to`` and the change since."""

    compare_to = serializers.DateField()
    score = _score("The score at compare_to; null if nothing was rated then.", allow_null=True)
    delta = serializers.FloatField(
        min_value=-1,
        max_value=1,
        allow_null=True,
        help_text="Score now minus score then; null if either is null.",
    )


class LevelTrendSerializer(serializers.Serializer):
    """``trend`` of a row of the measure scorecard (measure_scorecard)."""

    compare_to = serializers.DateField()
    level = serializers.ChoiceField(choices=SCORE_LEVELS)
    value = _score("The value at compare_to.", allow_null=True)


class PairCellSerializer(serializers.Serializer):
    """One tracked pair of a country on a bilateral measure (scorecards._pair_rows)."""

    partner = _iso2(help_text="ISO alpha-2 code of the other country of the pair.")
    level = serializers.ChoiceField(choices=CELL_LEVELS)
    effective_on = serializers.DateField(allow_null=True)
    effective_precision = _precision()
    evidence_count = _count("Visible, non-retracted evidence linked to the pair's cell.")


def _summary():
    """scorecards.summarise: a country's score over the selected measures."""
    return {
        "score": _score(
            "Mean value over the measures rated for the country; null if none is.",
            allow_null=True,
        ),
        "rated": _count("Measures with a value (not no_evidence, not only not_applicable)."),
        "unrated": _count("Measures at no_evidence."),
        "counts": LevelCountsSerializer(),
    }


def _entry():
    """scorecards.measure_entry: a country's standing on one measure."""
    return {
        "level": serializers.ChoiceField(choices=SCORE_LEVELS),
        "value": _score(
            "The level's weight; on a bilateral measure the mean over rated pairs. "
            "null for not_applicable and no_evidence.",
            allow_null=True,
        ),
        "effective_on": serializers.DateField(
            allow_null=True, help_text="Effective date of the level (the latest of the pairs')."
        ),
        "effective_precision": _precision(),
        "evidence_count": _count("Visible, non-retracted evidence items linked to the cell(s)."),
        "pairs": PairCellSerializer(
            many=True, required=False, help_text="Only on bilateral measures: every tracked pair."
        ),
    }


CountryScoreRowSerializer = _serializer(
    "CountryScoreRowSerializer",
    "A row of the countries scorecard (scorecards.countries_scorecard).",
    {
        "country": _iso2(),
        "name_en": serializers.CharField(),
        "name_fr": serializers.CharField(),
        **_summary(),
        "last_evidence_on": serializers.DateField(
            allow_null=True, help_text="Date of the latest visible evidence on its cells."
        ),
        "trend": ScoreTrendSerializer(required=False, help_text="Only with compare_to."),
    },
)


class InitiativeScoreRowSerializer(CountryScoreRowSerializer):
    """A row of the initiative scorecard: a member at the date, with its role."""

    role = serializers.ChoiceField(choices=MembershipRole.choices, allow_null=True)


class CountriesScorecardSerializer(serializers.Serializer):
    """GET /scorecards/countries/ (scorecards.countries_scorecard)."""

    as_of = serializers.DateField(allow_null=True)
    compare_to = serializers.DateField(allow_null=True)
    results = CountryScoreRowSerializer(many=True)


class InitiativeScorecardSerializer(CountriesScorecardSerializer):
    """GET /scorecards/initiatives/{slug}/ (scorecards.initiative_scorecard)."""

    results = InitiativeScoreRowSerializer(many=True)
    initiative = serializers.SlugField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    measures = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Numbers of the measures scored: it carries them.",
    )


CountryMeasureScoreSerializer = _serializer(
    "CountryMeasureScoreSerializer",
    "A measure of the country scorecard: measure_entry plus the measure's titles.",
    {
        "measure": serializers.IntegerField(help_text="The measure's number."),
        **_entry(),
        "title_en": serializers.CharField(),
        "title_fr": serializers.CharField(),
        "scope": serializers.ChoiceField(choices=Scope.choices),
        "domain": serializers.ChoiceField(choices=Domain.choices),
    },
)

CountryScorecardSerializer = _serializer(
    "CountryScorecardSerializer",
    "GET /scorecards/countries/{iso2}/ (scorecards.country_scorecard).",
    {
        "as_of": serializers.DateField(allow_null=True),
        "country": _iso2(),
        "name_en": serializers.CharField(),
        "name_fr": serializers.CharField(),
        **_summary(),
        "last_evidence_on": serializers.DateField(allow_null=True),
        "measures": CountryMeasureScoreSerializer(many=True),
        "trend": ScoreTrendSerializer(required=False, help_text="Only with compare_to."),
    },
)

MeasureScoreRowSerializer = _serializer(
    "MeasureScoreRowSerializer",
    "A row of the measure scorecard: one country on the measure.",
    {
        "country": _iso2(),
        "name_en": serializers.CharField(),
        "name_fr": serializers.CharField(),
        **_entry(),
        "trend": LevelTrendSerializer(required=False, help_text="Only with compare_to."),
    },
)


class MeasureScorecardSerializer(serializers.Serializer):
    """GET /scorecards/measures/{number}/ (scorecards.measure_scorecard)."""

    as_of = serializers.DateField(allow_null=True)
    measure = serializers.IntegerField()
    title_en = serializers.CharField()
    title_fr = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    domain = serializers.ChoiceField(choices=Domain.choices)
    results = MeasureScoreRowSerializer(many=True)


class MatrixMeasureSerializer(serializers.Serializer):
    """A column of the matrix."""

    number = serializers.IntegerField()
    title_en = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    domain = serializers.ChoiceField(choices=Domain.choices)


class MatrixCellSerializer(serializers.Serializer):
    """A country's standing on one measure, in the matrix (no evidence counts)."""

    measure = serializers.IntegerField()
    level = serializers.ChoiceField(choices=SCORE_LEVELS)
    value = _score("As in the country scorecard.", allow_null=True)
    effective_on = serializers.DateField(allow_null=True)


class MatrixRowSerializer(serializers.Serializer):
    country = _iso2()
    score = _score("As in the countries scorecard.", allow_null=True)
    cells = MatrixCellSerializer(many=True, help_text="One per column, in the columns' order.")
    score_then = _score("Only with compare_to: the score then.", allow_null=True, required=False)


class MatrixScorecardSerializer(serializers.Serializer):
    """GET /scorecards/matrix/ (scorecards.matrix)."""

    as_of = serializers.DateField(allow_null=True)
    compare_to = serializers.DateField(allow_null=True)
    measures = MatrixMeasureSerializer(many=True)
    results = MatrixRowSerializer(many=True)


# --- the change feed ----------------------------------------------------------------

# A snapshot's values: the row's fields as stored (dates as ISO text, decimals
# as text), other rows named by their handles (measures/audit/handles.py).
SNAPSHOT_VALUE = {
    "nullable": True,
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {"type": "string"}},
    ],
}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": SNAPSHOT_VALUE,
        "nullable": True,
        "description": "The row's fields (before or after the change), other rows named "
        "by their handles; null when there is none (a creation has no before).",
    }
)
class SnapshotField(serializers.JSONField):
    """A feed record's ``before``/``after``: JSON, typed by the decorator above."""


class ChangeRecordSerializer(serializers.Serializer):
    """A record of the change feed (measures.reads.changes.feed_records)."""

    id = serializers.UUIDField(help_text="The record's opaque id: a cursor for since.")
    time = serializers.DateTimeField()
    type = serializers.CharField(help_text="The kind of row: assessment, evidence, membership...")
    action = serializers.ChoiceField(choices=FEED_ACTIONS)
    object_id = serializers.CharField(
        allow_null=True,
        help_text="The row's handle; null for a row you may no longer see or one deleted.",
    )
    object = serializers.CharField(
        allow_null=True, help_text="The row as text, when it was written; null for hide."
    )
    actor = serializers.CharField(
        allow_null=True, help_text="Username of who wrote it; null for hide."
    )
    message = serializers.CharField(allow_blank=True)
    before = SnapshotField(allow_null=True)
    after = SnapshotField(allow_null=True)
    drop = serializers.BooleanField(
        help_text="True when the row is gone for you (retract, delete, hide): drop your copy.",
    )


class ChangeFeedPageSerializer(serializers.Serializer):
    """GET /changes/ (measures.api.changes.ChangeFeedView)."""

    since = serializers.CharField(help_text="The since you sent (0 if none).")
    next = serializers.UUIDField(
        allow_null=True,
        help_text="The cursor to send as since next time; null after a timestamp with no record.",
    )
    results = ChangeRecordSerializer(many=True)


# --- CSV ----------------------------------------------------------------------------


def _columns(table, card):
    return ", ".join(table(card)["columns"])


CSV_COLUMNS = {
    "countries": (
        f"Columns: {_columns(exports.countries_table, {'results': []})}; "
        "with compare_to, also compare_to, score_then, delta."
    ),
    "initiative": (
        f"Columns: {_columns(exports.countries_table, {'results': [], 'initiative': ''})}; "
        "with compare_to, also compare_to, score_then, delta."
    ),
    "country": (
        f"Columns: {_columns(exports.country_table, {'measures': []})}. One line per measure, "
        "then one per tracked pair of a bilateral measure (partner set, value empty)."
    ),
    "measure": (
        f"Columns: {_columns(exports.measure_table, {'results': []})}. One line per country, "
        "then one per tracked pair on a bilateral measure (partner set, value empty)."
    ),
    "matrix": "Columns: country, score, then measure_N (the level) for each measure N selected.",
}
CSV_INTRO = (
    "the same card as a table (?format=csv or Accept: text/csv), with a header line and "
    "Content-Disposition: attachment. Levels are: "
    + ", ".join(COUNTED_LEVELS)
    + ". Empty cells are nulls; a text cell starting with =, +, -, @, a tab or a carriage "
    "return is prefixed with ' (so no spreadsheet runs it as a formula). "
)


def csv_description(kind):
    """One description for both media types of a 200 (OpenAPI has one per status)."""
    return "In JSON, the card as described. In CSV, " + CSV_INTRO + CSV_COLUMNS[kind]


def csv_response(kind):
    return OpenApiResponse(OpenApiTypes.STR, description=csv_description(kind))


# --- examples: real responses to a reader on the seed data, trimmed ---------------
# (tests/measures/test_schema_types.py validates them against the served schema)

_M2_EN = "Intensified contacts among the military, especially in border areas"
_M2_FR = "Intensification des contacts entre militaires, notamment dans les zones frontalières"
_M6_EN = "Joint education and training periods, leading to joint exercises"
_M6_FR = "Périodes communes de formation et d'entraînement, menant à des exercices conjoints"


def _example(summary, value):
    return [OpenApiExample(summary, value=value, response_only=True)]


EXAMPLES = {
    "countries": _example(
        "Algeria, with a trend since 2011 (?country=DZ&compare_to=2011-01-01)",
        {
            "as_of": None,
            "compare_to": "2011-01-01",
            "results": [
                {
                    "country": "DZ",
                    "name_en": "Algeria",
                    "name_fr": "Algérie",
                    "score": 0.125,
                    "rated": 16,
                    "unrated": 4,
                    "counts": {
                        "not_started": 11,
                        "under_discussion": 1,
                        "agreed": 1,
                        "partial": 1,
                        "implemented": 0,
                        "suspended": 1,
                        "not_applicable": 0,
                        "mixed": 1,
                        "no_evidence": 4,
                    },
                    "last_evidence_on": "2013-01-01",
                    "trend": {"compare_to": "2011-01-01", "score": 0.1607, "delta": -0.0357},
                }
            ],
        },
    ),
    "country": _example(
        "Morocco on measures 2 and 6, with a trend (?measure=2&measure=6&compare_to=2011-01-01)",
        {
            "as_of": None,
            "country": "MA",
            "name_en": "Morocco",
            "name_fr": "Maroc",
            "score": 0.75,
            "rated": 1,
            "unrated": 1,
            "counts": {
                "not_started": 0,
                "under_discussion": 0,
                "agreed": 0,
                "partial": 1,
                "implemented": 0,
                "suspended": 0,
                "not_applicable": 0,
                "mixed": 0,
                "no_evidence": 1,
            },
            "last_evidence_on": "2010-01-01",
            "measures": [
                {
                    "measure": 2,
                    "level": "no_evidence",
                    "value": None,
                    "effective_on": None,
                    "effective_precision": None,
                    "evidence_count": 0,
                    "pairs": [
                        {
                            "partner": "DZ",
                            "level": "no_evidence",
                            "effective_on": None,
                            "effective_precision": None,
                            "evidence_count": 0,
                        }
                    ],
                    "title_en": _M2_EN,
                    "title_fr": _M2_FR,
                    "scope": "bilateral",
                    "domain": "military",
                },
                {
                    "measure": 6,
                    "level": "partial",
                    "value": 0.75,
                    "effective_on": "2010-01-01",
                    "effective_precision": "year",
                    "evidence_count": 2,
                    "title_en": _M6_EN,
                    "title_fr": _M6_FR,
                    "scope": "regional",
                    "domain": "military",
                },
            ],
            "trend": {"compare_to": "2011-01-01", "score": 0.75, "delta": 0.0},
        },
    ),
    "measure": _example(
        "Algeria on bilateral measure 2, with a trend; two of its pairs "
        "(?country=DZ&compare_to=2011-01-01)",
        {
            "as_of": None,
            "measure": 2,
            "title_en": _M2_EN,
            "title_fr": _M2_FR,
            "scope": "bilateral",
            "domain": "military",
            "results": [
                {
                    "country": "DZ",
                    "name_en": "Algeria",
                    "name_fr": "Algérie",
                    "level": "mixed",
                    "value": 0.5,
                    "effective_on": "2012-03-01",
                    "effective_precision": "month",
                    "evidence_count": 11,
                    "pairs": [
                        {
                            "partner": "LY",
                            "level": "no_evidence",
                            "effective_on": None,
                            "effective_precision": None,
                            "evidence_count": 0,
                        },
                        {
                            "partner": "MA",
                            "level": "no_evidence",
                            "effective_on": None,
                            "effective_precision": None,
                            "evidence_count": 0,
                        },
                    ],
                    "trend": {"compare_to": "2011-01-01", "level": "no_evidence", "value": None},
                }
            ],
        },
    ),
    "initiative": _example(
        "Morocco in the 5+5 Defence Initiative (?country=MA)",
        {
            "as_of": None,
            "compare_to": None,
            "results": [
                {
                    "country": "MA",
                    "name_en": "Morocco",
                    "name_fr": "Maroc",
                    "score": 0.5,
                    "rated": 2,
                    "unrated": 0,
                    "counts": {
                        "not_started": 0,
                        "under_discussion": 1,
                        "agreed": 0,
                        "partial": 1,
                        "implemented": 0,
                        "suspended": 0,
                        "not_applicable": 0,
                        "mixed": 0,
                        "no_evidence": 0,
                    },
                    "last_evidence_on": "2010-01-01",
                    "role": "member",
                }
            ],
            "initiative": "5plus5",
            "name_en": "5+5 Defence Initiative",
            "name_fr": "Initiative 5+5 Défense",
            "measures": [6, 18],
        },
    ),
    "matrix": _example(
        "Morocco on measures 2 and 6, with the score then "
        "(?country=MA&measure=2&measure=6&compare_to=2011-01-01)",
        {
            "as_of": None,
            "compare_to": "2011-01-01",
            "measures": [
                {"number": 2, "title_en": _M2_EN, "scope": "bilateral", "domain": "military"},
                {"number": 6, "title_en": _M6_EN, "scope": "regional", "domain": "military"},
            ],
            "results": [
                {
                    "country": "MA",
                    "score": 0.75,
                    "cells": [
                        {"measure": 2, "level": "no_evidence", "value": None, "effective_on": None},
                        {
                            "measure": 6,
                            "level": "partial",
                            "value": 0.75,
                            "effective_on": "2010-01-01",
                        },
                    ],
                    "score_then": 0.75,
                }
            ],
        },
    ),
    "changes": _example(
        "The first record (?since=0&limit=1)",
        {
            "since": "0",
            "next": "63fde059-19e6-4585-88ea-151fa10409d1",
            "results": [
                {
                    "id": "63fde059-19e6-4585-88ea-151fa10409d1",
                    "time": "2026-11-22T09:14:03.512204+00:00",
                    "type": "cell",
                    "action": "create",
                    "object_id": "1",
                    "object": "1 · BF",
                    "actor": "system",
                    "message": "Seed data loaded from fixtures",
                    "before": None,
                    "after": {
                        "measure": "1",
                        "scope": "regional",
                        "country": "BF",
                        "created_at": "2026-11-22T09:14:03.512Z",
                        "partner": None,
                    },
                    "drop": False,
                }
            ],
        },
    ),
}
