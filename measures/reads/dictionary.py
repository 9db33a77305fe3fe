"""The data dictionary: what every column of every CSV download means, and
the codes its cells use. The CSVs of the pages (``?format=csv&table=``), of
the API's scorecards (``?format=csv``) and the editors' cells sheet share one
vocabulary of column names, so each name is described once here; a test
downloads every CSV and fails on a column this page does not describe.

The code lists are read from the enumerations themselves (choices.py), so
they cannot drift from what the CSVs hold.
"""

from django.utils.translation import gettext_lazy as _

from countries.choices import DatePrecision, InitiativeKind, MembershipRole

from ..choices import (
    WEIGHTS,
    Direction,
    Domain,
    InformationCredibility,
    MarkingLevel,
    Scope,
    SourceReliability,
)
from .coverage import MIN_COVERAGE
from .labels import LEGEND_ORDER, level_label

# Units and formats, said once.
SHARE = _("a number from 0 to 1 (pages show it as a percentage)")
DATE = _("date, YYYY-MM-DD; see its precision where one is given")
COUNT = _("whole number")
YES_NO = _("yes or no")
TEXT = _("text")
CODE2 = _("ISO 3166-1 alpha-2 code")

# name -> (what it holds, unit or codes). Kept in alphabetical order.
COLUMNS = {
    "acronym": (_("The initiative's acronym."), TEXT),
    "agreed": (_("Number of measures at this level (one column per level code)."), COUNT),
    "applicable": (
        _("Measures (or, for a measure, countries) that apply: rated plus not rated."),
        COUNT,
    ),
    "author": (_("The source's author."), TEXT),
    "cell": (_("The cell: measure number, country code and, for a pair, partner code."), TEXT),
    "cell_id": (_("The cell's identifier in the tracker (cells sheet)."), COUNT),
    "check": (_("The data-quality check that found the row."), TEXT),
    "compare_to": (_("The earlier date the trend compares with."), DATE),
    "country": (_("The country."), CODE2),
    "country_name": (_("The country's name (cells sheet)."), TEXT),
    "date": (_("The date of the point (end of a year, or the as-of date)."), DATE),
    "delta": (_("Score minus the score on the compare-to date."), _("a number from -1 to 1")),
    "detail": (_("What the data-quality check found."), TEXT),
    "direction": (_("Whether the evidence supports or undermines progress."), "direction"),
    "domain": (_("The measure's domain."), "domain"),
    "due_on": (_("When the cell is next due for review."), DATE),
    "effective_on": (_("When the level became true in the world (not when recorded)."), DATE),
    "end": (_("End of the membership (empty: ongoing)."), DATE),
    "ended_on": (_("When the initiative ended (empty: ongoing)."), DATE),
    "evidence": (
        _("The public ids of the evidence an assessment rests on, space-separated."),
        TEXT,
    ),
    "evidence_count": (_("Pieces of evidence you may see on the cell."), COUNT),
    "grade": (
        _("Admiralty grade: source reliability (letter) and information credibility (digit)."),
        "grade",
    ),
    "id": (_("The evidence's public id (a UUID)."), TEXT),
    "implemented": (_("Number of measures at this level."), COUNT),
    "indicator": (_("The indicator's short name."), TEXT),
    "initiative": (_("The initiative's short name (slug)."), TEXT),
    "iso2": (_("The country's code."), CODE2),
    "iso3": (_("The country's code."), _("ISO 3166-1 alpha-3 code")),
    "key": (_("The source's short key."), TEXT),
    "kind": (_("What sort of initiative it is."), "kind"),
    "language": (_("The source's language."), _("en or fr")),
    "last_evidence_on": (_("Date of the latest evidence you may see."), DATE),
    "level": (_("The level (or, in data-quality findings, how serious the finding is)."), "level"),
    "locator": (_("Where in the source: page, paragraph or section."), TEXT),
    "low_coverage": (
        _("Whether the score rests on too few ratings to be ranked with the others."),
        YES_NO,
    ),
    "marking": (_("Handling marking: level, then the parties it may be released to."), "marking"),
    "measure": (_("The measure's number (1 to 20)."), COUNT),
    "measure_<n>": (_("The level on measure n (heat map; one column per measure)."), "level"),
    "measure_title": (_("The measure's title (cells sheet)."), TEXT),
    "measures": (_("Numbers of the measures the evidence concerns, space-separated."), TEXT),
    "mixed": (_("Number of bilateral measures whose pairs stand at different levels."), COUNT),
    "name": (_("The name of the row's country or initiative, in the page's language."), TEXT),
    "name_en": (_("The country's or initiative's name in English."), TEXT),
    "name_fr": (_("The country's or initiative's name in French."), TEXT),
    "new_effective_on": (_("To fill: the date the new level became true (cells sheet)."), DATE),
    "new_level": (_("To fill: the new level (cells sheet)."), "level"),
    "no_evidence": (_("Number of measures not rated."), COUNT),
    "not_applicable": (_("Number of measures that do not apply."), COUNT),
    "not_started": (_("Number of measures at this level."), COUNT),
    "note": (_("A note on the row (membership, carried measure or observation)."), TEXT),
    "number": (_("The measure's number (1 to 20)."), COUNT),
    "observed_on": (_("The date of the observation."), DATE),
    "occurred_on": (_("When the event the evidence reports happened."), DATE),
    "overdue": (_("Whether the cell is past its due date."), YES_NO),
    "partial": (_("Number of measures at this level."), COUNT),
    "partner": (_("The other country of a pair (empty for a whole country)."), CODE2),
    "partner_name": (_("The other country's name, in the page's language."), TEXT),
    "precision": (_("How precise the date before it is."), "precision"),
    "published_on": (_("When the source was published."), DATE),
    "publisher": (_("The source's publisher."), TEXT),
    "rated": (_("Measures (or, for a measure, countries) with a level that counts."), COUNT),
    "rationale": (_("Why the assessment gives that level, in the page's language."), TEXT),
    "rationale_en": (_("To fill: the rationale in English (cells sheet)."), TEXT),
    "rationale_fr": (_("To fill: the rationale in French (cells sheet)."), TEXT),
    "recorded_at": (_("When the assessment was entered (UTC)."), _("date and time, ISO 8601")),
    "recorded_by": (_("Who entered it (user name)."), TEXT),
    "regions": (_("The country's regions, separated by semicolons."), TEXT),
    "retracted": (_("Whether the row was retracted (kept, but counted nowhere)."), YES_NO),
    "role": (_("The country's role in the initiative."), "role"),
    "row": (_("The row the data-quality finding is about."), TEXT),
    "score": (_("Mean weight of the rated levels."), SHARE),
    "score_then": (_("The score on the compare-to date."), SHARE),
    "scope": (_("Whether the measure is tracked per country, per pair or per region."), "scope"),
    "slug": (_("The initiative's short name."), TEXT),
    "source": (_("The source's key."), TEXT),
    "start": (_("Start of the membership."), DATE),
    "started_on": (_("When the initiative began."), DATE),
    "summary": (_("What the evidence says, in the page's language."), TEXT),
    "suspended": (_("Number of measures at this level."), COUNT),
    "title": (_("The title of the measure or source, in the page's language."), TEXT),
    "title_en": (_("The measure's title in English."), TEXT),
    "title_fr": (_("The measure's title in French."), TEXT),
    "under_discussion": (_("Number of measures at this level."), COUNT),
    "unit": (_("The unit of the observed value."), TEXT),
    "unrated": (_("Measures that apply but are not rated."), COUNT),
    "value": (
        _("Weight of the level (0 to 1; for an indicator, the observed value in its unit)."),
        _("a number"),
    ),
    "version": (_("The cell's version as you read it (cells sheet; sent back on import)."), COUNT),
}


def describe(column):
    """The dictionary's entry for a column name (``measure_7`` is ``measure_<n>``)."""
    if column.startswith("measure_") and column.removeprefix("measure_").isdigit():
        column = "measure_<n>"
    return COLUMNS.get(column)


def code_lists():
    """The codes the CSVs use, by the unit name that refers to them."""
    return {
        "level": [(level, level_label(level), WEIGHTS.get(level)) for level in LEGEND_ORDER],
        "precision": _choices(DatePrecision),
        "scope": _choices(Scope),
        "domain": _choices(Domain),
        "direction": _choices(Direction),
        "kind": _choices(InitiativeKind),
        "role": _choices(MembershipRole),
        "marking": _choices(MarkingLevel),
        "grade": _choices(SourceReliability) + _choices(InformationCredibility),
    }


def _choices(enum):
    return [(code, label, None) for code, label in enum.choices]


def minimum_coverage_percent():
    return round(MIN_COVERAGE * 100)
