"""The weekly digest: who gets one, what it says, and delivery without loss.

Delivery (DESIGN.md §7): each (subscription, ISO week) has one DigestDelivery
row. A chunk of rows is *claimed* with one conditional UPDATE (pending, or
sending with an expired lease → sending, with a fresh lease and a claim
token), so two workers never claim the same row, on SQLite as on
PostgreSQL. Each mail is marked sent right after the SMTP server accepts it;
a worker that dies in between leaves the row "sending" until its lease
expires, and the next run sends it again — the one duplicate this design
allows, and the deterministic Message-ID lets mail clients fold it.

Building a chunk's digests takes a fixed number of queries whatever the
chunk size (Zulip's zerver/lib/digest.py habit): every row the chunk could
mention is read once, and each subscriber's view of it is cut in Python by
the same rule as everywhere else (``Viewer.may_see_marking``).
"""

import datetime
import functools
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from countries.models import Country, Initiative, Membership

from . import emails, tokens
from .choices import NO_EVIDENCE, WEIGHTS, Level
from .models import (
    Assessment,
    DigestDelivery,
    DigestRun,
    Evidence,
    Marking,
    Status,
    Subscription,
)
from .visibility import viewer_for, viewers_for

log = logging.getLogger("cbm.digests")
State = DigestDelivery.State


# --- periods ----------------------------------------------------------------


def parse_period(text):
    """``2026-W47`` → (2026, 47); ValueError with a readable message otherwise."""
    try:
        year, week = text.split("-W")
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week such as 2026-W47") from None
    return monday


def period_bounds(period):
    """[Monday 00:00 UTC, next Monday 00:00 UTC) of the ISO week."""
    monday = parse_period(period)
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=7)


def last_complete_period(now=None):
    """The ISO week before the one ``now`` falls in (the week just ended)."""
    day = (now or timezone.now()).astimezone(datetime.UTC).date() - datetime.timedelta(days=7)
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- who gets one -----------------------------------------------------------


def eligible_subscriptions():
    """Active, unpaused; an active user with an address, or a confirmed address."""
    return Subscription.objects.filter(unsubscribed_at__isnull=True, paused=False).filter(
        Q(user__is_active=True) & ~Q(user__email="")
        | Q(user__isnull=True, confirmed_at__isnull=False)
    )


def plan(period):
    """Create the period's missing deliveries; return the ids still to send.

    Rows out of attempts are marked failed here, so they stop coming back.
    """
    parse_period(period)
    existing = DigestDelivery.objects.filter(period=period).values("subscription_id")
    DigestDelivery.objects.bulk_create(
        [
            DigestDelivery(subscription_id=pk, period=period)
            for pk in eligible_subscriptions().exclude(pk__in=existing).values_list("pk", flat=True)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    now = timezone.now()
    open_rows = DigestDelivery.objects.filter(period=period).filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lt=now)
    )
    open_rows.filter(attempts__gte=settings.CBM_DIGEST_MAX_ATTEMPTS).update(
        state=State.FAILED, claim="", last_error="Too many attempts."
    )
    return list(open_rows.order_by("pk").values_list("pk", flat=True))


def chunked(ids, size=None):
    size = size or settings.CBM_DIGEST_CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def claim(ids):
    """Take the rows nobody holds; returns (token, claimed ids)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    DigestDelivery.objects.filter(pk__in=ids, attempts__lt=settings.CBM_DIGEST_MAX_ATTEMPTS).filter(
        Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lt=now)
    ).update(
        state=State.SENDING,
        claim=token,
        lease_expires_at=now + datetime.timedelta(seconds=settings.CBM_DIGEST_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    claimed = DigestDelivery.objects.filter(claim=token, state=State.SENDING)
    return token, list(claimed.order_by("pk").values_list("pk", flat=True))


def _finish(pk, token, state, **fields):
    """Close a delivery we hold; a conditional UPDATE, committed at once."""
    return DigestDelivery.objects.filter(pk=pk, claim=token, state=State.SENDING).update(
        state=state, lease_expires_at=None, **fields
    )


# --- what it says -----------------------------------------------------------


def page_url(path):
    return settings.CBM_SITE_URL.rstrip("/") + path


def link(obj=None):
    """The absolute URL of a row's page on the site — the one place a digest
    makes links, so that rows moving to opaque public ids changes only this.
    Without an argument: the overview (the heat map)."""
    if obj is None:
        return page_url(_path("overview"))
    if isinstance(obj, Status):
        return page_url(_path("cell", obj.pk))
    if isinstance(obj, Evidence):
        return page_url(_path("evidence", obj.public_id))
    if isinstance(obj, Country):
        return page_url(_path("country", obj.pk))
    if isinstance(obj, Initiative):
        return page_url(_path("initiative", obj.slug))
    if obj == "initiatives":
        return page_url(_path("initiative-list"))
    raise TypeError(f"no page for {obj!r}")


@functools.lru_cache(maxsize=20_000)
def _path(name, *args):
    # reverse() walks the whole URLconf (admin and API included): ~70 µs, and
    # a digest has ~80 links, most of them the same in every audience of a chunk.
    return reverse(name, args=args)


def _sort_key(a):
    return (a.effective_on, a.recorded_at, a.pk)


# A digest is read in a minute: each section lists at most this many lines,
# and says how many more there are, with a link to them on the site.
MAX_CHANGES = 10
MAX_EVIDENCE = 20
MAX_EVIDENCE_PER_COUNTRY = 5
MAX_OTHER_EVIDENCE = 5
MAX_STALE = 5
SUMMARY_CHARS = 160


@dataclass
class PeriodData:
    """Everything any subscriber of a chunk could be told, read once."""

    start: datetime.datetime
    end: datetime.datetime
    new_assessments: list
    history: dict  # status id -> assessments recorded before the period ended
    new_evidence: list
    last_assessed: dict  # (status id, marking id) -> latest effective date
    last_evidenced: dict  # (status id, marking id) -> latest occurrence date
    cells: dict  # status id -> Status
    members: dict  # initiative id -> [(country, marking id)]
    markings: dict = field(default_factory=dict)


def read_period(period, initiative_ids):
    start, end = period_bounds(period)
    new_assessments = list(
        Assessment.objects.filter(recorded_at__gte=start, recorded_at__lt=end, retracted=False)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    touched = {a.status_id for a in new_assessments}
    history = {}
    for a in Assessment.objects.filter(
        status_id__in=touched, retracted=False, recorded_at__lt=end
    ).order_by("pk"):
        history.setdefault(a.status_id, []).append(a)
    new_evidence = list(
        Evidence.objects.filter(created_at__gte=start, created_at__lt=end, retracted=False)
        .select_related("source")
        .prefetch_related("cells", "initiatives")
        .order_by("occurred_on", "pk")
    )
    last_assessed = {
        (r["status_id"], r["marking_id"]): r["last"]
        for r in Assessment.objects.filter(retracted=False, recorded_at__lt=end)
        .values("status_id", "marking_id")
        .annotate(last=Max("effective_on"))
    }
    last_evidenced = {
        (r["cells"], r["marking_id"]): r["last"]
        for r in Evidence.objects.filter(retracted=False, created_at__lt=end, cells__isnull=False)
        .values("cells", "marking_id")
        .annotate(last=Max("occurred_on"))
    }
    cell_ids = touched | {c.pk for e in new_evidence for c in e.cells.all()}
    cell_ids |= {k[0] for k in last_assessed} | {k[0] for k in last_evidenced}
    cells = Status.objects.select_related("measure", "country", "partner").in_bulk(cell_ids)
    members = {}
    for m in Membership.objects.filter(initiative_id__in=initiative_ids).exclude(role="excluded"):
        if (m.start is None or m.start <= end.date()) and (m.end is None or m.end >= start.date()):
            members.setdefault(m.initiative_id, []).append((m.country_id, m.marking_id))
    return PeriodData(
        start, end, new_assessments, history, new_evidence, last_assessed, last_evidenced,
        cells, members, markings=Marking.objects.in_bulk(),
    )  # fmt: skip


def _current(assessments, seen, before):
    visible = [a for a in assessments if a.marking_id in seen and a.recorded_at < before]
    return max(visible, key=_sort_key) if visible else None


# --- significance of a level change ------------------------------------------

DOWN, UP, FIRST, OTHER, RECONFIRMED = "down", "up", "first", "other", "reconfirmed"


def significance(old, new):
    """(kind, sort key) of a change from level ``old`` (None: not rated) to ``new``.

    A move down or to suspended comes first, the biggest drop first (a move
    to suspended counts as the drop to the bottom of the scale, and before an
    equal ordinary drop); then moves up, the biggest first; then first
    ratings and moves to or from "not applicable"; reconfirmations last.
    """
    if old is None:
        return FIRST, (2, 0)
    if old == new:
        return RECONFIRMED, (3, 0)
    before, after = WEIGHTS.get(old), WEIGHTS.get(new)
    if new == Level.SUSPENDED:
        return DOWN, (0, -(before or 0.0) - 0.125)
    if old == Level.SUSPENDED and after is not None:
        return UP, (1, -(after + 0.125))
    if before is None or after is None:
        return OTHER, (2, 0)
    if after < before:
        return DOWN, (0, after - before)
    return UP, (1, before - after)


def _short(text):
    text = " ".join(text.split())
    return Truncator(text).chars(SUMMARY_CHARS) if len(text) > SUMMARY_CHARS else text


def _name(obj, language):
    return _pick(obj.name_en, obj.name_fr, language)


def _where(cell, language):
    """A cell's country, or its pair of countries, by name."""
    if cell.partner_id:
        return f"{_name(cell.country, language)} – {_name(cell.partner, language)}"
    return _name(cell.country, language)


def _heading(cell, language, with_pair=False):
    """ "Measure 17: A joint … agency", and the pair when asked."""
    title = _pick(cell.measure.title_en, cell.measure.title_fr, language)
    heading = _("Measure %(number)s: %(title)s") % {"number": cell.measure.number, "title": title}
    return f"{heading} ({_where(cell, language)})" if with_pair and cell.partner_id else heading


def _bounded(items, limit):
    return items[:limit], max(0, len(items) - limit)


def digest_context(subscription, viewer, data, language):
    """What one subscriber is told, or None when there is nothing to say.

    Summary first: the week in numbers, then the level changes by
    significance; then new evidence by country and measure, one line each;
    then evidence about followed initiatives and stale cells. Every section
    is bounded (``MAX_*``) and says how many more there are, with a link.
    """
    if not viewer.can_read:
        return None
    seen = {pk for pk, m in data.markings.items() if viewer.may_see_marking(m)}
    countries = {c.pk for c in subscription.countries.all()}
    for initiative in subscription.initiatives.all():
        countries |= {
            c for c, mk in data.members.get(initiative.pk, ()) if mk is None or mk in seen
        }
    followed_initiatives = {i.pk for i in subscription.initiatives.all()}
    measures = {m.pk for m in subscription.measures.all()}
    everything = not (countries or measures or followed_initiatives)

    def follows(cell):
        return (
            everything
            or cell.measure_id in measures
            or cell.country_id in countries
            or cell.partner_id in countries
        )

    changes, touched = [], set()
    for status_id in {a.status_id for a in data.new_assessments if a.marking_id in seen}:
        cell = data.cells[status_id]
        if not follows(cell):
            continue
        history = data.history[status_id]
        before = _current(history, seen, data.start)
        after = _current(history, seen, data.end)
        old = before.level if before else None
        touched |= {cell.country_id, cell.partner_id} - {None}
        kind, rank = significance(old, after.level)
        changes.append(
            {
                "where": _where(cell, language),
                "label": cell.cell_label,
                "measure": cell.measure,
                "heading": _heading(cell, language),
                "from": old or NO_EVIDENCE,
                "to": after.level,
                "kind": kind,
                "reconfirmed": kind == RECONFIRMED,
                "effective_on": after.effective_on,
                "effective_precision": after.effective_precision,
                "rationale": _short(_pick(after.rationale_en, after.rationale_fr, language)),
                "url": link(cell),
                "_rank": (rank, cell.measure.number, cell.cell_label),
            }
        )
    changes.sort(key=lambda c: c.pop("_rank"))

    groups, other, evidence_count = {}, [], 0
    for evidence in data.new_evidence:
        if evidence.marking_id not in seen:
            continue
        linked = [data.cells[c.pk] for c in evidence.cells.all() if follows(data.cells[c.pk])]
        via_initiative = everything or bool(
            followed_initiatives & {i.pk for i in evidence.initiatives.all()}
        )
        if not linked and not via_initiative:
            continue
        evidence_count += 1
        entry = {
            "summary": _short(_pick(evidence.summary_en, evidence.summary_fr, language)),
            "source": evidence.source.title,
            "occurred_on": evidence.occurred_on,
            "occurred_precision": evidence.occurred_precision,
            "grade": evidence.reliability,
            "direction": evidence.direction,
            "direction_label": evidence.get_direction_display(),
            "url": link(evidence),
        }
        for cell in sorted(linked, key=lambda c: (c.measure.number, c.cell_label)):
            touched |= {cell.country_id, cell.partner_id} - {None}
            if cell.country_id not in groups:
                groups[cell.country_id] = {
                    "country": cell.country,
                    "name": _name(cell.country, language),
                    "url": link(cell.country),
                    "cells": {},
                    "seen": set(),
                }
            group = groups[cell.country_id]
            if evidence.pk in group["seen"]:
                continue  # once per country, under its first measure there
            group["seen"].add(evidence.pk)
            if cell.pk not in group["cells"]:
                group["cells"][cell.pk] = {
                    "label": cell.cell_label,
                    "where": _where(cell, language),
                    "measure": cell.measure,
                    "heading": _heading(cell, language, with_pair=True),
                    "url": link(cell),
                    "evidence": [],
                }
            group["cells"][cell.pk]["evidence"].append(entry)
        if not linked:
            other.append(entry)  # about a followed initiative, not a particular cell
    if not changes and not groups and not other:
        return None

    evidence_groups, budget, left_out = [], MAX_EVIDENCE, []
    for group in sorted(groups.values(), key=lambda g: g["name"]):
        seen_here = group.pop("seen")
        cells = sorted(group["cells"].values(), key=lambda c: (c["measure"].number, c["label"]))
        lines = len(seen_here)
        room = min(budget, MAX_EVIDENCE_PER_COUNTRY)
        shown = []
        for c in cells:
            if room <= 0:
                break
            shown.append({**c, "evidence": c["evidence"][:room]})
            room -= len(shown[-1]["evidence"])
        listed = sum(len(c["evidence"]) for c in shown)
        budget -= listed
        if listed:
            evidence_groups.append({**group, "cells": shown, "more": lines - listed})
        else:
            left_out.append({"name": group["name"], "url": group["url"], "count": lines})

    threshold = data.end.date() - datetime.timedelta(days=settings.CBM_STALE_AFTER_DAYS)
    last = {}
    for source in (data.last_assessed, data.last_evidenced):
        for (status_id, marking_id), day in source.items():
            if marking_id in seen and day > last.get(status_id, datetime.date.min):
                last[status_id] = day
    # The cells that went stale most recently first: the news in this list.
    stale_cells = sorted(
        (
            (-day.toordinal(), data.cells[pk].measure.number, data.cells[pk].cell_label, pk)
            for pk, day in last.items()
            if day < threshold and follows(data.cells[pk])
        )
    )
    stale = [
        {
            "label": data.cells[pk].cell_label,
            "where": _where(data.cells[pk], language),
            "measure": data.cells[pk].measure,
            "last_confirmed": last[pk],
            "url": link(data.cells[pk]),
        }
        for *_, pk in stale_cells[:MAX_STALE]  # links only for what is shown
    ]
    shown_changes, changes_more = _bounded(changes, MAX_CHANGES)
    shown_other, other_more = _bounded(other, MAX_OTHER_EVIDENCE)
    moved = [c for c in changes if c["kind"] != RECONFIRMED]
    return {
        "numbers": {
            "changes": len(moved),
            "down": sum(1 for c in moved if c["kind"] == DOWN),
            "reconfirmed": len(changes) - len(moved),
            "evidence": evidence_count,
            "countries": len(touched),
            "stale": len(stale_cells),
        },
        "changes": shown_changes,
        "changes_more": changes_more,
        "evidence_groups": evidence_groups,
        # Countries with news the section had no room for, each linked.
        "evidence_left_out": left_out,
        "evidence_more": sum(g["count"] for g in left_out),
        "other_evidence": shown_other,
        "other_more": other_more,
        "stale": stale,
        "stale_more": len(stale_cells) - len(stale),
        "stale_days": settings.CBM_STALE_AFTER_DAYS,
        "overview_url": link(),
        "initiatives_url": link("initiatives"),
    }


def _pick(english, french, language):
    return (french or english) if language == "fr" else (english or french)


def build_messages(deliveries, period):
    """(delivery, message or None) for a chunk, in a fixed number of queries.

    Subscribers who see the same markings, follow the same things and read
    the same language get the same digest: it is rendered once for them all
    (template rendering is most of a digest's cost).
    """
    subscriptions = {d.subscription_id: d.subscription for d in deliveries}
    users = [s.user for s in subscriptions.values() if s.user_id]
    viewers = viewers_for(users)
    initiative_ids = {i.pk for s in subscriptions.values() for i in s.initiatives.all()}
    data = read_period(period, initiative_ids)
    digests = {}
    results = []
    for delivery in deliveries:
        sub = delivery.subscription
        viewer = viewers[sub.user_id] if sub.user_id else viewer_for(None)
        audience = (viewer.key, _follows(sub), sub.language)
        if audience not in digests:
            with translation.override(sub.language):
                context = digest_context(sub, viewer, data, sub.language)
                digests[audience] = context and emails.Digest(period, context)
        digest = digests[audience]
        message = digest and digest.message(sub, tokens.make(sub, tokens.UNSUBSCRIBE))
        results.append((delivery, message))
    return results


def _follows(subscription):
    return tuple(
        frozenset(o.pk for o in rel.all())  # prefetched by _load()
        for rel in (subscription.countries, subscription.measures, subscription.initiatives)
    )


def _load(ids):
    return list(
        DigestDelivery.objects.filter(pk__in=ids)
        .select_related("subscription__user")
        .prefetch_related(
            "subscription__countries", "subscription__measures", "subscription__initiatives"
        )
        .order_by("pk")
    )


# --- sending ----------------------------------------------------------------


@dataclass
class ChunkResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def send_chunk(ids, period, run_id=None):
    """Claim, build and send one chunk over one SMTP connection.

    On an SMTP error the unsent rows are released for the retry and the
    error propagates (the Celery task retries with backoff).
    """
    token, claimed = claim(ids)
    result = ChunkResult()
    if not claimed:
        return result
    messages = build_messages(_load(claimed), period)
    # Opened at the first mail, so that a chunk with nothing to send costs no
    # connection; then one connection for the chunk.
    connection = get_connection()
    remaining = {d.pk for d, _ in messages}
    opened = False
    try:
        for delivery, message in messages:
            if message is None:
                result.skipped += _finish(delivery.pk, token, State.SKIPPED)
            else:
                if not opened:
                    connection.open()
                    opened = True
                connection.send_messages([message])
                result.sent += _finish(
                    delivery.pk,
                    token,
                    State.SENT,
                    sent_at=timezone.now(),
                    message_id=message.extra_headers["Message-ID"],
                )
            remaining.discard(delivery.pk)
    except Exception as exc:
        DigestDelivery.objects.filter(pk__in=remaining, claim=token, state=State.SENDING).update(
            state=State.PENDING, claim="", lease_expires_at=None, last_error=str(exc)[:2000]
        )
        result.failed = len(remaining)
        raise
    finally:
        connection.close()
        if run_id is not None:
            DigestRun.objects.filter(pk=run_id).update(
                chunks_done=F("chunks_done") + 1,
                sent=F("sent") + result.sent,
                skipped=F("skipped") + result.skipped,
                failed=F("failed") + result.failed,
            )
        log.info(
            "digest chunk",
            extra={
                "period": period,
                "claimed": len(claimed),
                "sent": result.sent,
                "skipped": result.skipped,
                "failed": result.failed,
                "run": run_id,
            },
        )
    return result


def start_run(period):
    """Plan the period and record the run; returns (run, chunks of delivery ids)."""
    chunks = chunked(plan(period))
    run = DigestRun.objects.create(period=period, chunks_total=len(chunks))
    return run, chunks


def finish_run(run):
    DigestRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())


def preview(period):
    """For --dry-run: (recipient, context or None) per eligible subscription,
    without creating or claiming any delivery."""
    subs = list(
        eligible_subscriptions()
        .select_related("user")
        .prefetch_related("countries", "measures", "initiatives")
    )
    deliveries = [DigestDelivery(subscription=s, period=period) for s in subs]
    viewers = viewers_for([s.user for s in subs if s.user_id])
    data = read_period(period, {i.pk for s in subs for i in s.initiatives.all()})
    return [
        (
            d.subscription.recipient,
            digest_context(
                d.subscription,
                viewers[d.subscription.user_id] if d.subscription.user_id else viewer_for(None),
                data,
                d.subscription.language,
            ),
        )
        for d in deliveries
    ]
