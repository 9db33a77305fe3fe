"""Weeks of news for the digest tests: a typical week, built through the services.

A *typical* week on top of the seed data: ten assessments over eight countries
(moves down, up, one to suspended, a first rating, a reconfirmation) and 25
pieces of evidence re-filed from the seed's own evidence (real summaries, in
English and French, of the seed's usual length), all public. With the
seeded reporting cadences (180 or 365 days) nearly every seeded cell is also
overdue, as it is in production: the seed's sources are from 2010–2013.
"""

import datetime

import time_machine

from measures import services
from measures.models import Cell, Evidence
from tests.factories import cell_at

D = datetime.date


def _next_week():
    """The ISO week after this one, and its Wednesday: the seed is recorded when
    the test database is made (now), and a week's changes are measured against
    what was recorded before it."""
    year, week, _ = (datetime.date.today() + datetime.timedelta(days=7)).isocalendar()
    wednesday = datetime.date.fromisocalendar(year, week, 3)
    return f"{year}-W{week:02d}", datetime.datetime.combine(
        wednesday, datetime.time(10), tzinfo=datetime.UTC
    )


PERIOD, IN_PERIOD = _next_week()

# (measure, country or pair, level recorded this week, effective date, precision),
# against the seed's public levels: three moves down (one to suspended), four
# up (one out of suspended), two first ratings, one reconfirmation.
TYPICAL_CHANGES = [
    (5, ("LY",), "partial", D(2013, 1, 1), "year"),  # not started → partial
    (6, ("MA",), "suspended", D(2013, 2, 1), "month"),  # partial → suspended
    (18, ("MA",), "agreed", D(2013, 3, 1), "month"),  # under discussion → agreed
    (2, ("DZ", "MR"), "agreed", D(2013, 1, 15), "day"),  # partial → agreed
    (20, ("DZ",), "not_started", D(2013, 5, 1), "month"),  # reconfirmed
    (12, ("ML",), "partial", D(2013, 2, 1), "month"),  # first rating
    (17, ("NE",), "under_discussion", D(2013, 4, 20), "day"),  # suspended → under discussion
    (5, ("TN",), "under_discussion", D(2013, 1, 1), "year"),  # partial → under discussion
    (6, ("NE",), "implemented", D(2013, 6, 1), "day"),  # partial → implemented
    (12, ("TD",), "under_discussion", D(2013, 5, 1), "month"),  # first rating
]
# The order the digest must list them in: by significance.
TYPICAL_ORDER = [
    (6, "MA"), (5, "TN"), (2, "DZ–MR"),  # down: to suspended, −0.5, −0.25
    (5, "LY"), (17, "NE"), (6, "NE"), (18, "MA"),  # up: +0.75, out of suspended, +0.25, +0.25
    (12, "ML"), (12, "TD"),  # first ratings
    (20, "DZ"),  # reconfirmed
]  # fmt: skip


def typical_week(editor):
    """Record the typical week as ``editor`` (an admin: any country) and the system."""
    system = services.system_actor()
    seeded = list(
        Evidence.objects.filter(key__isnull=False, marking__rank=0, retracted=False)
        .select_related("source")
        .prefetch_related("cells", "initiatives")
        .order_by("key")[:25]
    )
    with time_machine.travel(IN_PERIOD, tick=False):
        for e in seeded:
            services.create_evidence(
                system,
                source=e.source,
                occurred_on=e.occurred_on,
                occurred_precision=e.occurred_precision,
                locator=e.locator,
                direction=e.direction,
                source_reliability=e.source_reliability,
                information_credibility=e.information_credibility,
                summary_en=e.summary_en,
                summary_fr=e.summary_fr,
                cells=list(e.cells.all()),
                initiatives=list(e.initiatives.all()),
            )
        for number, where, level, on, precision in TYPICAL_CHANGES:
            cell = Cell.objects.get(pk=cell_at(number, *where).pk)
            pair = "–".join(where)
            services.record_assessment(
                editor,
                cell,
                level=level,
                effective_on=on,
                effective_precision=precision,
                expected_version=cell.version_for(editor),
                rationale_en=f"Typical week: measure {number} in {pair} re-read.",
                rationale_fr=f"Semaine type : mesure {number} pour {pair} revue.",
            )
    return seeded
