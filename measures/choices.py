"""Vocabularies of the measures app, and the one place the scale is weighted."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    MILITARY = "military", _("military")
    POLITICAL = "political", _("political")
    SECURITY = "security", _("security and intelligence")
    CIVIL_PROTECTION = "civil_protection", _("civil protection")
    EDUCATION_ECONOMY = "education_economy", _("education and economy")


class Scope(models.TextChoices):
    NATIONAL = "national", _("national")
    # Tracked per pair of neighbouring states (countries.CountryPair).
    BILATERAL = "bilateral", _("bilateral")
    REGIONAL = "regional", _("regional")


class Level(models.TextChoices):
    """The ordered status scale. ``no_evidence`` is not here: it is derived."""

    NOT_STARTED = "not_started", _("not started")
    UNDER_DISCUSSION = "under_discussion", _("under discussion")
    AGREED = "agreed", _("agreed")
    PARTIAL = "partial", _("partially implemented")
    IMPLEMENTED = "implemented", _("implemented")
    # Was under way, now halted or reversed: scores 0 but is shown apart.
    SUSPENDED = "suspended", _("suspended")
    # The measure does not apply to this cell: left out of every score.
    NOT_APPLICABLE = "not_applicable", _("not applicable")


# A cell the viewer has no visible assessment for. Never stored, and never
# confused with "not started" (which is a finding, not an absence).
NO_EVIDENCE = "no_evidence"

# Weights of the scale, in one place. Levels absent from this mapping
# (not_applicable) are excluded from scores.
WEIGHTS = {
    Level.NOT_STARTED: 0.0,
    Level.UNDER_DISCUSSION: 0.25,
    Level.AGREED: 0.5,
    Level.PARTIAL: 0.75,
    Level.IMPLEMENTED: 1.0,
    Level.SUSPENDED: 0.0,
}


class MarkingLevel(models.TextChoices):
    PUBLIC = "public", _("public")
    RESTRICTED = "restricted", _("restricted")
    CONFIDENTIAL = "confidential", _("confidential")


# Handling levels in increasing order of protection.
MARKING_RANK = {MarkingLevel.PUBLIC: 0, MarkingLevel.RESTRICTED: 1, MarkingLevel.CONFIDENTIAL: 2}


class Direction(models.TextChoices):
    SUPPORTS = "supports", _("supports progress")
    UNDERMINES = "undermines", _("undermines progress")


class SourceReliability(models.TextChoices):
    """NATO "Admiralty" code, first half: how reliable the source is."""

    A = "A", _("A — completely reliable")
    B = "B", _("B — usually reliable")
    C = "C", _("C — fairly reliable")
    D = "D", _("D — not usually reliable")
    E = "E", _("E — unreliable")
    F = "F", _("F — reliability cannot be judged")


class InformationCredibility(models.TextChoices):
    """NATO "Admiralty" code, second half: how credible the information is."""

    CONFIRMED = "1", _("1 — confirmed by other sources")
    PROBABLY_TRUE = "2", _("2 — probably true")
    POSSIBLY_TRUE = "3", _("3 — possibly true")
    DOUBTFUL = "4", _("4 — doubtful")
    IMPROBABLE = "5", _("5 — improbable")
    UNKNOWN = "6", _("6 — truth cannot be judged")


class Role(models.TextChoices):
    """The five roles, each a Django group of the same name."""

    READER = "reader", _("reader")
    ANALYST = "analyst", _("analyst")
    EDITOR = "editor", _("editor")
    ADMIN = "admin", _("admin")
    # A country's liaison: replies to the assessments of the countries in
    # their scope (right of reply), records nothing.
    RESPONDENT = "respondent", _("respondent")


class ProposalState(models.TextChoices):
    """A change awaiting a second person (review): open → approved or returned."""

    OPEN = "open", _("awaiting review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReviewPolicy(models.TextChoices):
    """Which recordings wait for a second person (setting ``CBM_REVIEW``)."""

    NONE = "none", _("no review")
    LEVEL_CHANGES = "level_changes", _("changes of level")
    ALL = "all", _("every recording")


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    REMARK = "remark", _("re-marked")
    RETRACT = "retract", _("retracted")
    DELETE = "delete", _("deleted")


# The spreadsheet round trip (docs/pages.md): a workbook's one sheet and its
# columns, the first row of every export. measures/reads/sheets.py writes
# them, measures/services/imports.py reads ``cell_id``, ``version`` and the
# columns to fill; the others say what the row is.
SHEET_TITLE = "cells"
SHEET_READ_COLUMNS = (
    "cell_id",
    "version",
    "measure",
    "measure_title",
    "country",
    "country_name",
    "partner",
    "partner_name",
    "level",
    "effective_on",
    "due_on",
)
SHEET_FILL_COLUMNS = ("new_level", "new_effective_on", "rationale_en", "rationale_fr", "evidence")
SHEET_COLUMNS = SHEET_READ_COLUMNS + SHEET_FILL_COLUMNS
