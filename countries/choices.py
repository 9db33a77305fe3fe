"""Vocabularies of the countries app (the fixtures use these codes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    """How precise a date is: sources say "2010" or "Sep 2010" as often as a day.

    A date known to the month is stored as the 1st of that month, a date known
    to the year as 1 January.
    """

    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class InitiativeKind(models.TextChoices):
    ALLIANCE = "alliance", _("alliance")
    PARTNERSHIP = "partnership", _("partnership")
    AGREEMENT = "agreement", _("agreement")
    DIALOGUE = "dialogue", _("dialogue")
    OPERATION = "operation", _("operation")
    PROGRAMME = "programme", _("programme")
    ORGANISATION = "organisation", _("organisation")
    MILITARY_COMMAND = "military_command", _("military command")
    INTELLIGENCE_CELL = "intelligence_cell", _("intelligence cell")
    MEETING = "meeting", _("meeting")
    MISSION = "mission", _("mission")
    FORUM = "forum", _("forum")
    ACCORD = "accord", _("accord")


class MembershipRole(models.TextChoices):
    LEAD = "lead", _("lead")
    MEMBER = "member", _("member")
    OBSERVER = "observer", _("observer")
    PARTNER = "partner", _("partner")
    # Recorded on purpose: who is left out (Morocco from CEMOC) matters as
    # much as who is in.
    EXCLUDED = "excluded", _("excluded")
