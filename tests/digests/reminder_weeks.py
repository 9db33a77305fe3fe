"""A week of reminders to test against: editors of France (a country the seed
data never rated, so every due date here is one the test set), cells made
current, due, overdue and escalated on purpose, and proposals."""

import datetime
import io

from django.core.management import call_command

from measures.models import Cell, Proposal
from tests.factories import assess, make_user, marking

D = datetime.date
PERIOD = "2025-W11"  # Monday 10 March – Sunday 16 March 2025
MONDAY = D(2025, 3, 10)


def france():
    """France's own cells (no partner), by measure number."""
    return list(
        Cell.objects.filter(country_id="FR", partner__isnull=True)
        .select_related("measure")
        .order_by("measure__number")
    )


def due_in(actor, cell, days, level="agreed", **kw):
    """Assess ``cell`` so that it falls due ``days`` after MONDAY (negative: overdue)."""
    on = MONDAY + datetime.timedelta(days=days - cell.measure.cadence_days)
    return assess(actor, cell, level, on, **kw)


def escalate(actor, cell, **kw):
    """Assess ``cell`` so that on MONDAY it is overdue by more than its cadence."""
    return due_in(actor, cell, -cell.measure.cadence_days - 10, **kw)


def editor(username, countries=("FR",), clearance="restricted", **kw):
    return make_user(username, role="editor", clearance=clearance, countries=countries, **kw)


def propose(author, cell, level="implemented", marking_=None):
    """An open proposal, written as the review service will write it."""
    return Proposal.objects.create(
        cell=cell,
        level=level,
        effective_on=D(2025, 3, 1),
        rationale_en="A second person should look.",
        marking=marking_ or marking("public"),
        based_on_version=cell.version_for(author),
        proposed_by=author,
    )


def send(period=PERIOD):
    out = io.StringIO()
    call_command("send_reminders", period=period, stdout=out)
    return out.getvalue()


def mails_by_recipient(smtp):
    return {m["To"]: m for m in smtp.sink.messages}


def plain(message):
    return message.get_body(("plain",)).get_content()


def html(message):
    return message.get_body(("html",)).get_content()


def section(text, heading):
    """The lines of a text part's ``== heading ==`` section ('' when absent)."""
    marker = f"== {heading} =="
    if marker not in text:
        return ""
    return text.split(marker, 1)[1].split("\n==", 1)[0].split("\n--\n", 1)[0]
