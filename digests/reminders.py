"""The weekly reminder: "due this week", for each editor and admin.

What it says (``reminder_for``), read as the recipient — their own
clearance and scope, the same rules as every page:

- the due and overdue cells in their scope (``worklist.due_cells``; an
  admin may record anywhere, so only the cells of the countries in their
  own scope are listed — an admin without a scope gets none);
- the proposals awaiting their review (``awaiting_review_by``);
- for an admin, the cells overdue beyond twice their cadence
  (``rules.is_escalated``) among those that admin may see.

"Due" is reckoned on the Monday of the reminder's ISO week, so a retry
later in the week says what the Monday's mail said. Nothing to say → no
mail (the delivery is marked skipped).

Delivery: one ``ReminderDelivery`` per user and ISO week, claimed, leased
and closed by ``digests.leases``, exactly like the digest's.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import translation

from measures.access import SYSTEM_USERNAME, viewers_for
from measures.choices import Role
from measures.models import Proposal
from measures.reads import labels
from measures.reads.worklist import cells_in_scope, due_cells
from measures.rules import DueState, is_escalated

from . import mails
from .content import link, page_url
from .leases import ChunkResult, Leases
from .models import ReminderDelivery, Subscription
from .periods import parse_period

log = logging.getLogger("cbm.digests")
LEASES = Leases(ReminderDelivery, "CBM_REMINDER")
# A reminder is read in a minute: each section lists at most this many lines
# and says how many more there are, with a link to the week.
MAX_LINES = 15


# --- who gets one ----------------------------------------------------------


def recipients():
    """Active editors and admins with an address (the system actor never)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(username=SYSTEM_USERNAME)
        .filter(Q(groups__name__in=[Role.EDITOR, Role.ADMIN]) | Q(is_superuser=True))
        .distinct()
    )


def plan(period):
    """Create the week's missing deliveries; return the ids still to send."""
    parse_period(period)
    LEASES.create(period, "user_id", recipients())
    return LEASES.still_open(period)


def start(period):
    """Plan the week; returns its chunks of delivery ids."""
    return LEASES.chunked(plan(period))


# --- what one says ---------------------------------------------------------


@dataclass
class Reminder:
    overdue: list = field(default_factory=list)
    due: list = field(default_factory=list)
    to_review: list = field(default_factory=list)
    escalated: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.overdue or self.due or self.to_review or self.escalated)


def _in_scope(cell, scope):
    return cell.country_id in scope or (cell.partner_id is not None and cell.partner_id in scope)


def reminder_for(user, viewer, today):
    """What ``user`` is reminded of on ``today`` (``viewer``: theirs)."""
    if not viewer.is_editor:  # no longer an editor since the week was planned
        return Reminder()
    cells = [c for c in due_cells(user, today) if _in_scope(c, viewer.scope)]
    reminder = Reminder(
        overdue=[c for c in cells if c.due_state == DueState.OVERDUE],
        due=[c for c in cells if c.due_state == DueState.DUE],
        to_review=list(
            Proposal.objects.awaiting_review_by(user)
            .select_related("cell__measure", "cell__country", "cell__partner")
            .order_by("proposed_at", "pk")
        ),
    )
    if viewer.is_admin:
        escalated = [
            c
            for c in cells_in_scope(user, today)
            if is_escalated(c.due_on, c.measure.cadence_days, today)
        ]
        reminder.escalated = sorted(escalated, key=lambda c: (c.due_on, c.measure.number, c.pk))
    return reminder


def _where(cell):
    where = labels.localized(cell.country, "name")
    if cell.partner_id:
        where = f"{where} – {labels.localized(cell.partner, 'name')}"
    return where


def _cell_line(cell, today):
    return {
        "number": cell.measure.number,
        "title": labels.localized(cell.measure, "title"),
        "where": _where(cell),
        "level": cell.level,
        "due_on": cell.due_on,
        "days_late": (today - cell.due_on).days,
        "url": link(cell),
    }


def _proposal_line(proposal):
    cell = proposal.cell
    return {
        "number": cell.measure.number,
        "title": labels.localized(cell.measure, "title"),
        "where": _where(cell),
        "level": proposal.level,
        "proposed_on": proposal.proposed_at.date(),
        "url": link(cell),
    }


def _section(rows, make):
    return {"lines": [make(r) for r in rows[:MAX_LINES]], "more": max(0, len(rows) - MAX_LINES)}


def reminder_context(reminder, period, today):
    """The templates' context (call it in the recipient's language)."""
    return {
        "period": period,
        # "My week" (the worklist), where everything listed here is done.
        "week_url": page_url(reverse("week")),
        "site_url": page_url(""),
        # Every line the mail lists (an admin's escalated cell in their own
        # scope is listed twice: it is both theirs and an escalation).
        "total": sum(
            len(rows)
            for rows in (reminder.overdue, reminder.due, reminder.to_review, reminder.escalated)
        ),
        "counts": {
            "overdue": len(reminder.overdue),
            "due": len(reminder.due),
            "to_review": len(reminder.to_review),
            "escalated": len(reminder.escalated),
        },
        "overdue": _section(reminder.overdue, lambda c: _cell_line(c, today)),
        "due": _section(reminder.due, lambda c: _cell_line(c, today)),
        "to_review": _section(reminder.to_review, _proposal_line),
        "escalated": _section(reminder.escalated, lambda c: _cell_line(c, today)),
    }


def language_of(user):
    """The language of the user's digest subscription, else the site's."""
    subscriptions = user.active_subscriptions  # prefetched by load()
    return subscriptions[0].language if subscriptions else settings.LANGUAGE_CODE


# --- sending ---------------------------------------------------------------


def load(ids):
    return list(
        ReminderDelivery.objects.filter(pk__in=ids)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__subscriptions",
                queryset=Subscription.objects.filter(unsubscribed_at__isnull=True),
                to_attr="active_subscriptions",
            )
        )
        .order_by("pk")
    )


def build_messages(deliveries, period):
    """(delivery, message or None) for a chunk: each user's own reminder."""
    today = parse_period(period)
    viewers = viewers_for([d.user for d in deliveries])
    results = []
    for delivery in deliveries:
        user = delivery.user
        with translation.override(language_of(user)):
            reminder = reminder_for(user, viewers[user.pk], today)
            message = None
            if reminder:
                message = mails.reminder(user, period, reminder_context(reminder, period, today))
        results.append((delivery, message))
    return results


def send_chunk(ids, period):
    """Claim, build and send one chunk over one SMTP connection (``Leases.send``)."""
    token, claimed = LEASES.claim(ids)
    result = ChunkResult()
    if not claimed:
        return result
    messages = build_messages(load(claimed), period)
    try:
        LEASES.send(token, messages, result)
    finally:
        log.info(
            "reminder chunk",
            extra={
                "period": period,
                "claimed": len(claimed),
                "sent": result.sent,
                "skipped": result.skipped,
                "failed": result.failed,
            },
        )
    return result
