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
    ProposalState,
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
DATETIME = _("date and time, ISO 8601")
IN_WORDS = _("text, in the language of the page or of the API request")

# name -> (what it holds, unit or codes). Kept in alphabetical order.
COLUMNS = {
    "acronym": (_("The initiative's acronym."), TEXT),
    "agreed": (_("Number of measures at this level (one column per level code)."), COUNT),
    "applicable": (
        _("Measures (or, for a measure, countries) that apply: rated plus not rated."),
        COUNT,
    ),
    "assessment": (_("The public id of the assessment the reply answers."), TEXT),
    "author": (_("The source's author."), TEXT),
    "cell": (_("The cell: measure number, country code and, for a pair, partner code."), TEXT),
    "cell_id": (_("The cell's identifier in the tracker (cells sheet and API)."), COUNT),
    "cells": (
        _(
            "The cells the evidence concerns (measure number · country code, –partner "
            "code for a pair), separated by semicolons."
        ),
        TEXT,
    ),
    "check": (_("The data-quality check that found the row."), TEXT),
    "comment": (_("The reviewer's comment on the proposal."), TEXT),
    "compare_to": (_("The earlier date the trend compares with."), DATE),
    "countries": (
        _("Codes of the countries the subscription follows, space-separated (none: all)."),
        TEXT,
    ),
    "country": (_("The country."), CODE2),
    "country_name": (_("The country's name."), IN_WORDS),
    "country_names": (_("The names of those countries, separated by semicolons."), IN_WORDS),
    "created_at": (_("When the row was created (UTC)."), DATETIME),
    "created_by": (_("Who wrote the reply (user name)."), TEXT),
    "current_level": (_("The cell's level now, as you may see it."), "level"),
    "current_level_label": (_("That level in words."), IN_WORDS),
    "date": (_("The date of the point (end of a year, or the as-of date)."), DATE),
    "decided_at": (_("When the proposal was decided (UTC)."), DATETIME),
    "decided_by": (_("Who decided the proposal (user name)."), TEXT),
    "delta": (_("Score minus the score on the compare-to date."), _("a number from -1 to 1")),
    "detail": (_("What the data-quality check found."), TEXT),
    "direction": (_("Whether the evidence supports or undermines progress."), "direction"),
    "direction_label": (_("That direction in words."), IN_WORDS),
    "domain": (_("The measure's domain."), "domain"),
    "domain_label": (_("That domain in words."), IN_WORDS),
    "due_on": (_("When the cell is next due for review."), DATE),
    "effective_on": (_("When the level became true in the world (not when recorded)."), DATE),
    "email": (_("The address the digest is sent to."), TEXT),
    "end": (_("End of the membership (empty: ongoing)."), DATE),
    "ended_on": (_("When the initiative ended (empty: ongoing)."), DATE),
    "evidence": (
        _(
            "The public ids of the evidence an assessment, reply or proposal rests on, "
            "space-separated."
        ),
        TEXT,
    ),
    "evidence_count": (_("Pieces of evidence you may see on the cell."), COUNT),
    "grade": (
        _("Admiralty grade: source reliability (letter) and information credibility (digit)."),
        "grade",
    ),
    "id": (
        _(
            "The row's public id: a UUID for evidence, assessments, replies and proposals; "
            "a number for a subscription."
        ),
        TEXT,
    ),
    "implemented": (_("Number of measures at this level."), COUNT),
    "indicator": (_("The indicator's short name."), TEXT),
    "indicator_name": (_("The indicator's name."), IN_WORDS),
    "initiative": (_("The initiative's short name (slug)."), TEXT),
    "initiatives": (
        _(
            "Short names of the initiatives the evidence concerns, that carry the measure, "
            "or that the subscription follows, space-separated."
        ),
        TEXT,
    ),
    "iso2": (_("The country's code."), CODE2),
    "iso3": (_("The country's code."), _("ISO 3166-1 alpha-3 code")),
    "key": (_("The source's short key."), TEXT),
    "kind": (_("What sort of initiative it is."), "kind"),
    "kind_label": (_("That kind in words."), IN_WORDS),
    "language": (
        _("The source's language (for a subscription, its mails' language)."),
        _("en or fr"),
    ),
    "last_evidence_on": (_("Date of the latest evidence you may see."), DATE),
    "level": (_("The level (or, in data-quality findings, how serious the finding is)."), "level"),
    "level_label": (_("That level in words."), IN_WORDS),
    "locator": (_("Where in the source: page, paragraph or section."), TEXT),
    "low_coverage": (
        _("Whether the score rests on too few ratings to be ranked with the others."),
        YES_NO,
    ),
    "marking": (_("Handling marking: level, then the parties it may be released to."), "marking"),
    "marking_label": (_("That marking in words."), IN_WORDS),
    "measure": (_("The measure's number (1 to 20)."), COUNT),
    "measure_<n>": (_("The level on measure n (heat map; one column per measure)."), "level"),
    "measure_title": (_("The measure's title."), IN_WORDS),
    "measures": (
        _(
            "Numbers of the measures the evidence concerns, that the initiative carries, or "
            "that the subscription follows, space-separated."
        ),
        TEXT,
    ),
    "members": (
        _("The initiative's members you may see: code and role, separated by semicolons."),
        TEXT,
    ),
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
    "paused": (_("Whether the digest is paused."), YES_NO),
    "precision": (_("How precise the date before it is."), "precision"),
    "proposed_at": (_("When the change was proposed (UTC)."), DATETIME),
    "proposed_by": (_("Who proposed the change (user name)."), TEXT),
    "published_on": (_("When the source was published."), DATE),
    "publisher": (_("The source's publisher."), TEXT),
    "quote": (_("The source's own words the evidence rests on."), TEXT),
    "rated": (_("Measures (or, for a measure, countries) with a level that counts."), COUNT),
    "rationale": (_("Why the assessment gives that level, in the page's language."), TEXT),
    "rationale_en": (_("To fill: the rationale in English (cells sheet)."), TEXT),
    "rationale_fr": (_("To fill: the rationale in French (cells sheet)."), TEXT),
    "recorded_at": (_("When the assessment was entered (UTC)."), DATETIME),
    "recorded_by": (_("Who entered it (user name)."), TEXT),
    "region_codes": (_("Codes of the country's regions, separated by semicolons."), TEXT),
    "regions": (_("The country's regions, separated by semicolons."), TEXT),
    "retracted": (_("Whether the row was retracted (kept, but counted nowhere)."), YES_NO),
    "role": (_("The country's role in the initiative."), "role"),
    "row": (_("The row the data-quality finding is about."), TEXT),
    "score": (_("Mean weight of the rated levels."), SHARE),
    "score_then": (_("The score on the compare-to date."), SHARE),
    "scope": (_("Whether the measure is tracked per country, per pair or per region."), "scope"),
    "scope_label": (_("That scope in words."), IN_WORDS),
    "slug": (_("The initiative's short name."), TEXT),
    "source": (_("The source's key."), TEXT),
    "source_title": (_("The source's title."), TEXT),
    "start": (_("Start of the membership."), DATE),
    "started_on": (_("When the initiative began."), DATE),
    "state": (_("Where the proposal stands in review."), "state"),
    "state_label": (_("That state in words."), IN_WORDS),
    "summary": (_("What the evidence says, in the page's language."), TEXT),
    "summary_en": (_("What the evidence says, in English."), TEXT),
    "summary_fr": (_("What the evidence says, in French."), TEXT),
    "suspended": (_("Number of measures at this level."), COUNT),
    "text": (_("The reply's text."), IN_WORDS),
    "title": (_("The title of the measure or source, in the page's language."), TEXT),
    "title_en": (_("The measure's title in English."), TEXT),
    "title_fr": (_("The measure's title in French."), TEXT),
    "under_discussion": (_("Number of measures at this level."), COUNT),
    "unit": (_("The unit of the observed value."), TEXT),
    "unrated": (_("Measures that apply but are not rated."), COUNT),
    "unsubscribed_at": (_("When the subscription ended (empty: it runs)."), DATETIME),
    "url": (_("The source's address on the web."), TEXT),
    "value": (
        _("Weight of the level (0 to 1; for an indicator, the observed value in its unit)."),
        _("a number"),
    ),
    "version": (
        _(
            "The row's version as you read it (send it back to change the row; cells sheet: "
            "on import)."
        ),
        COUNT,
    ),
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
        "state": _choices(ProposalState),
    }


def _choices(enum):
    return [(code, label, None) for code, label in enum.choices]


def minimum_coverage_percent():
    return round(MIN_COVERAGE * 100)
