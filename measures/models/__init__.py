from .audit import AudienceRevision, ChangeRecord, RevisionCounter, RowMarking
from .catalogue import CarriedMeasure, Measure, Source
from .cells import Assessment, Cell
from .disclosures import Channel, DisclosedRow, DisclosedSet, Disclosure
from .evidence import Evidence
from .indicators import Indicator, Observation
from .markings import Marking, UserProfile
from .search import SearchText
from .tokens import ApiToken, Token
from .workflow import Proposal, Reply, WeekVisit

__all__ = [
    "ApiToken",
    "Assessment",
    "AudienceRevision",
    "CarriedMeasure",
    "Cell",
    "ChangeRecord",
    "Channel",
    "DisclosedRow",
    "DisclosedSet",
    "Disclosure",
    "Evidence",
    "Indicator",
    "Marking",
    "Measure",
    "Observation",
    "Proposal",
    "Reply",
    "RevisionCounter",
    "RowMarking",
    "SearchText",
    "Source",
    "Token",
    "UserProfile",
    "WeekVisit",
]
