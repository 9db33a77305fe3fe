"""What a weekly digest says: the period's changes, evidence and overdue cells
a subscriber may see, bounded to what is read in a minute, with links to the
site. Pure reads: the rows come from ``read_period``, each subscriber's view
is cut by ``Viewer.may_see_marking``.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from countries.models import Country, Initiative, Membership
from measures.audit import disclosures
from measures.choices import NO_EVIDENCE, WEIGHTS, Level
from measures.models import Assessment, Cell, Evidence, Marking, Reply

from .periods import period_bounds


def page_url(path):
    return settings.CBM_SITE_URL.rstrip("/") + path


def link(obj=None):
    """The absolute URL of a row's page on the site — the one place a digest
    makes links, so that rows moving to opaque public ids changes only this.
    Without an argument: the overview (the heat map)."""
    if obj is None:
        return page_url(_path("overview"))
    if isinstance(obj, Cell):
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
MAX_OVERDUE = 5
SUMMARY_CHARS = 160


@dataclass
class PeriodData:
    """Everything any subscriber of a chunk could be told, read once."""

    start: datetime.datetime
    end: datetime.datetime
    new_assessments: list
    history: dict  # cell id -> assessments recorded before the period ended
    new_evidence: list
    last_assessed: dict  # (cell id, marking id) -> latest effective date
    cells: dict  # cell id -> Cell
    members: dict  # initiative id -> [(country, marking id)]
    markings: dict = field(default_factory=dict)
    replies: list = field(default_factory=list)  # replies made in the period (right of reply)


def read_period(period, initiative_ids):
    start, end = period_bounds(period)
    new_assessments = list(
        Assessment.objects.filter(recorded_at__gte=start, recorded_at__lt=end, retracted=False)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    touched = {a.cell_id for a in new_assessments}
    history = {}
    for a in Assessment.objects.filter(
        cell_id__in=touched, retracted=False, recorded_at__lt=end
    ).order_by("pk"):
        history.setdefault(a.cell_id, []).append(a)
    new_evidence = list(
        Evidence.objects.filter(created_at__gte=start, created_at__lt=end, retracted=False)
        .select_related("source")
        .prefetch_related("cells", "initiatives")
        .order_by("occurred_on", "pk")
    )
    last_assessed = {
        (r["cell_id"], r["marking_id"]): r["last"]
        for r in Assessment.objects.filter(retracted=False, recorded_at__lt=end)
        .values("cell_id", "marking_id")
        .annotate(last=Max("effective_on"))
    }
    cell_ids = touched | {c.pk for e in new_evidence for c in e.cells.all()}
    cell_ids |= {k[0] for k in last_assessed}
    cells = Cell.objects.select_related("measure", "country", "partner").in_bulk(cell_ids)
    members = {}
    for m in Membership.objects.filter(initiative_id__in=initiative_ids).exclude(role="excluded"):
        if (m.start is None or m.start <= end.date()) and (m.end is None or m.end >= start.date()):
            members.setdefault(m.initiative_id, []).append((m.country_id, m.marking_id))
    return PeriodData(
        start, end, new_assessments, history, new_evidence, last_assessed,
        cells, members, markings=Marking.objects.in_bulk(), replies=read_replies(start, end),
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


def _row(data, obj):
    """A row the digest tells of, for the disclosure ledger (markings read once)."""
    return disclosures.row_of(obj, data.markings[obj.marking_id])


def digest_context(subscription, viewer, data, language):
    """What one subscriber is told, or None when there is nothing to say.

    Summary first: the week in numbers, then the level changes by
    significance; then new evidence by country and measure, one line each;
    then evidence about followed initiatives and overdue cells. Every section
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
    for cell_id in {a.cell_id for a in data.new_assessments if a.marking_id in seen}:
        cell = data.cells[cell_id]
        if not follows(cell):
            continue
        history = data.history[cell_id]
        before = _current(history, seen, data.start)
        after = _current(history, seen, data.end)
        old = before.level if before else None
        touched |= {cell.country_id, cell.partner_id} - {None}
        kind, rank = significance(old, after.level)
        disclosures.note([_row(data, a) for a in (before, after) if a is not None])
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
        disclosures.note([_row(data, evidence)])
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
    replies = reply_lines(data, seen, lambda code: everything or code in countries, language)
    if not changes and not groups and not other and not replies:
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

    # Overdue as on the worklist (rules.due_on): the level the recipient may
    # see was last known true more than its measure's cadence before the
    # period ended.
    last = {}
    for (cell_id, marking_id), day in data.last_assessed.items():
        if marking_id in seen and day > last.get(cell_id, datetime.date.min):
            last[cell_id] = day
    day_ended = data.end.date()
    # The cells that went overdue most recently first: the news in this list.
    overdue_cells = sorted(
        (
            (-day.toordinal(), data.cells[pk].measure.number, data.cells[pk].cell_label, pk)
            for pk, day in last.items()
            if day + datetime.timedelta(days=data.cells[pk].measure.cadence_days) < day_ended
            and follows(data.cells[pk])
        )
    )
    overdue = [
        {
            "label": data.cells[pk].cell_label,
            "where": _where(data.cells[pk], language),
            "measure": data.cells[pk].measure,
            "last_confirmed": last[pk],
            "url": link(data.cells[pk]),
        }
        for *_, pk in overdue_cells[:MAX_OVERDUE]  # links only for what is shown
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
            "overdue": len(overdue_cells),
        },
        "changes": shown_changes,
        "changes_more": changes_more,
        "evidence_groups": evidence_groups,
        # Countries with news the section had no room for, each linked.
        "evidence_left_out": left_out,
        "evidence_more": sum(g["count"] for g in left_out),
        "other_evidence": shown_other,
        "other_more": other_more,
        "overdue": overdue,
        "overdue_more": len(overdue_cells) - len(overdue),
        "overview_url": link(),
        "initiatives_url": link("initiatives"),
        **replies_context(replies),
    }


# --- right of reply -----------------------------------------------------------

MAX_REPLIES = 10


def read_replies(start, end):
    """The replies made in the period and not retracted, with what a line
    about one reads (one query for every subscriber of a chunk)."""
    return list(
        Reply.objects.filter(created_at__gte=start, created_at__lt=end, retracted=False)
        .select_related(
            "country", "assessment", "assessment__cell__measure", "assessment__cell__country",
            "assessment__cell__partner",
        )
        .order_by("created_at", "pk")
    )  # fmt: skip


def reply_lines(data, seen, follows_country, language):
    """The period's replies this subscriber may see — the reply's marking and
    the assessment's both in ``seen`` — by countries they follow."""
    lines = []
    for reply in data.replies:
        if reply.marking_id not in seen or reply.assessment.marking_id not in seen:
            continue
        if not follows_country(reply.country_id):
            continue
        cell = reply.assessment.cell
        disclosures.note([_row(data, reply), _row(data, reply.assessment)])
        lines.append(
            {
                "country": _name(reply.country, language),
                "heading": _heading(cell, language, with_pair=True),
                "level": reply.assessment.level,
                "effective_on": reply.assessment.effective_on,
                "effective_precision": reply.assessment.effective_precision,
                "replied_on": reply.created_at.date(),
                "text": _short(_pick(reply.text_en, reply.text_fr, language)),
                "url": link(cell),
            }
        )
    return lines


def replies_context(lines):
    shown, more = _bounded(lines, MAX_REPLIES)
    return {"replies": shown, "replies_more": more}


def _pick(english, french, language):
    return (french or english) if language == "fr" else (english or french)
