"""The initiatives: their list, and an initiative's page (members over time,
the measures it carries, its members' scores, evidence)."""

import datetime
import itertools

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from countries.choices import MembershipRole
from countries.models import Initiative, Membership
from measures.access import viewer_for
from measures.audit import disclosures
from measures.models import Evidence
from measures.pages.common import Table, csv_download, read_as_of, readable
from measures.pages.history import what_changed
from measures.pages.tables import SortedTable, score_columns, with_coverage
from measures.reads import charts, scorecards
from measures.reads.history import initiative_filters
from measures.reads.labels import dated, highest_marking, localized
from measures.reads.ordering import Column, Order, name_key

from .countries import EVIDENCE_LIMIT

ROLE_CLASSES = {role: f"role-{role}" for role in MembershipRole.values}


@readable
def initiative_list(request):
    initiatives = list(Initiative.objects.visible_to(request.user).select_related("marking"))
    table = SortedTable(
        request,
        initiatives,
        [
            Column("name", _("Initiative"), lambda i: name_key(localized(i, "name"))),
            Column("acronym", _("Acronym"), lambda i: name_key(i.acronym) if i.acronym else None),
            Column("kind", _("Kind"), lambda i: name_key(i.get_kind_display())),
            Column("start", _("From"), lambda i: i.started_on, descending_first=True),
            Column("end", _("To"), lambda i: i.ended_on, descending_first=True),
        ],
        Order("name"),
        lambda i: (i.name_en, i.name_fr, i.acronym, i.slug, i.get_kind_display()),
        anchor="initiatives",
    )
    download = Table(
        "initiatives",
        ["name", "acronym", "slug", "kind", "started_on", "ended_on", "marking"],
        [
            (
                localized(i, "name"),
                i.acronym,
                i.slug,
                i.kind,
                i.started_on,
                i.ended_on,
                str(i.marking) if i.marking else "",
            )
            for i in table.rows
        ],
        releases=table.rows,
    )
    if response := csv_download(request, [download], "initiatives"):
        return response
    return render(
        request,
        "countries/initiative_list.html",
        {"table": table, "page_marking": highest_marking(i.marking for i in initiatives)},
    )


@readable
def initiative_detail(request, slug):
    viewer = viewer_for(request.user)
    initiative = get_object_or_404(
        Initiative.objects.visible_to(request.user).select_related("marking", "cite_source"),
        slug=slug,
    )
    as_of = read_as_of(request)
    with disclosures.noting() as levels:
        card = scorecards.initiative_scorecard(viewer, slug, as_of)
    memberships = list(
        Membership.objects.visible_to(request.user)
        .filter(initiative=initiative)
        .select_related("country", "marking")
        .order_by("country__iso2", "start")
    )
    carried = list(
        initiative.carried_measures.select_related("measure").order_by("measure__number")
    )
    evidence = list(
        Evidence.objects.visible_to(request.user)
        .filter(initiatives=initiative)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")[:EVIDENCE_LIMIT]
    )
    timeline = _members_timeline(initiative, memberships)
    scores = _scores_table(request, card["results"] if card else [])
    changes, changes_table = _changes(request, viewer, slug, carried, as_of)
    tables = [
        *_initiative_tables(initiative, memberships, carried, (scores.rows, levels), evidence),
        changes_table,
    ]
    if response := csv_download(request, tables, f"initiative-{slug}"):
        return response
    cite = initiative.cite_source
    if cite is not None and not viewer.may_see_marking(cite.marking):
        cite = None
    return render(
        request,
        "countries/initiative_detail.html",
        {
            "initiative": initiative,
            "name": localized(initiative, "name"),
            "description": localized(initiative, "description"),
            "as_of": as_of,
            "memberships": memberships,
            "timeline": timeline,
            "carried": carried,
            "scores": scores,
            "evidence": evidence,
            "cite": cite,
            "changes": changes,
            "page_marking": highest_marking(
                [initiative.marking]
                + [m.marking for m in memberships]
                + [e.marking for e in evidence]
            ),
        },
    )


def _changes(request, viewer, slug, carried, as_of):
    """What changed on the measures it carries, for its members on either date."""
    numbers = [c.measure.number for c in carried]
    return what_changed(
        request, as_of, lambda *days: initiative_filters(viewer, slug, numbers, days)
    )


def _scores_table(request, results):
    """The members' scores with their coverage, by name; ranked by score under
    the coverage rule (measures/reads/coverage.py)."""
    results = [
        with_coverage(
            {
                **r,
                "name": localized(r, "name"),
                "role_label": MembershipRole(r["role"]).label if r.get("role") else None,
            }
        )
        for r in results
    ]
    return SortedTable(
        request,
        results,
        [
            Column("name", _("Country"), lambda r: name_key(r["name"])),
            Column("code", _("Code"), lambda r: r["country"]),
            Column("role", _("Role"), lambda r: name_key(r["role_label"] or "")),
            *score_columns(),
        ],
        Order("name"),
        lambda r: (r["name_en"], r["name_fr"], r["country"], r["role_label"]),
        anchor="scores",
    )


def _members_timeline(initiative, memberships):
    """The members over time as an SVG timeline: a row per country, a bar per
    membership, from the earliest date known to next year."""
    today = timezone.localdate()
    starts = [d for m in memberships for d in (m.start, m.end) if d] + [
        d for d in (initiative.started_on, initiative.ended_on) if d
    ]
    start = (
        datetime.date(min(starts).year, 1, 1) if starts else datetime.date(today.year - 10, 1, 1)
    )
    rows = []
    for iso, items in itertools.groupby(memberships, key=lambda m: m.country_id):
        items = list(items)
        label = f"{localized(items[0].country, 'name')} ({iso})"
        bars = []
        for m in items:
            start_text = dated(m.start, m.start_precision) if m.start else "?"
            end_text = dated(m.end, m.end_precision) if m.end else "…"
            text = f"{m.get_role_display()}, {start_text} – {end_text}"
            bars.append(
                (m.start, m.end, text, ROLE_CLASSES.get(m.role, ""), str(m.get_role_display()))
            )
        rows.append((label, bars))
    return charts.timeline(
        "members-timeline",
        rows,
        title=_("Members of %(initiative)s over time") % {"initiative": initiative},
        desc="; ".join(f"{label}: " + ", ".join(b[2] for b in bars) for label, bars in rows)
        or _("No members recorded."),
        start=start,
        end=datetime.date(today.year + 1, 1, 1),
    )


def _initiative_tables(initiative, memberships, carried, scores, evidence):
    """The initiative page's tables, downloadable as CSV (each lists links of
    the initiative, so each releases it; ``scores``: the scorecard's rows
    shown and the assessments it noted)."""
    results, levels = scores
    return [
        Table(
            "members",
            ["country", "name", "role", "start", "end", "note", "marking"],
            [
                (
                    m.country_id,
                    localized(m.country, "name"),
                    m.role,
                    m.start,
                    m.end,
                    localized(m, "note"),
                    str(m.marking) if m.marking else "",
                )
                for m in memberships
            ],
            releases=[initiative, *memberships],
        ),
        Table(
            "measures",
            ["measure", "title", "note"],
            [
                (c.measure.number, localized(c.measure, "title"), localized(c, "note"))
                for c in carried
            ],
            releases=[initiative],
        ),
        Table(
            "scores",
            ["name", "country", "role", "score", "rated", "applicable", "low_coverage"],
            [
                (r["name"], r["country"], r.get("role"), r["score"])
                + (r["rated"], r["applicable"], r["low_coverage"])
                for r in results
            ],
            releases=[initiative, *levels],
        ),
        Table(
            "evidence",
            ["id", "occurred_on", "summary", "source", "locator", "grade", "marking"],
            [
                (
                    e.public_id,
                    e.occurred_on,
                    localized(e, "summary"),
                    e.source.key,
                    e.locator,
                    e.reliability,
                    str(e.marking),
                )
                for e in evidence
            ],
            releases=[initiative, *evidence],
        ),
    ]
