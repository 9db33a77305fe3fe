"""The data checked like code: every data-quality rule as a named check.

``run_checks(user)`` reads everything through the visibility rule
(``visible_to``), so the same report serves ``manage.py check_data`` (run as
the system actor, which sees every row) and the analysts' page (each analyst
sees the findings about rows they may see, and nothing about the others).

A check at level ``error`` states something the tracker promises never to
hold (an uncited fact, a membership outside its initiative, two memberships
of one country in one initiative at once, a level recorded for a future
date); ``check_data`` exits non-zero when one fails, and CI runs it on the
seed. A ``warning`` is allowed but worth a look (a level with no evidence,
evidence dated after the assessment citing it, a pair whose evidence points
both ways, a cell overdue: not reassessed within its measure's reporting
cadence, ``rules.due_on``).
"""

from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countries.models import Country, CountryPair, Initiative, Membership

from ..audit import disclosures
from ..choices import Direction, Level, Scope
from ..models import Assessment, Cell, Evidence, Indicator, Measure
from ..rules import (
    DueState,
    due_on,
    due_state,
    evidence_after,
    membership_problems,
    overlaps,
    period_label,
)

ERROR = "error"
WARNING = "warning"


@dataclass
class Check:
    name: str
    level: str
    title: str
    description: str
    rows: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.rows)

    @property
    def failed(self):
        return bool(self.rows)

    def as_dict(self):
        """Plain values: a finding's records (``of``) stay behind."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["rows"] = [{k: v for k, v in row.items() if k != "of"} for row in self.rows]
        return {**values, "count": self.count}


def _row(label, detail="", url="", of=()):
    """A finding; ``of``: the records it shows (marked ones go to the
    disclosure ledger when the report is downloaded)."""
    return {"label": str(label), "detail": str(detail), "url": url, "of": tuple(of)}


def _cell_url(cell_id):
    return reverse("cell", args=[cell_id])


# --- the checks --------------------------------------------------------------

TITLES = {
    "uncited_rows": (
        ERROR,
        gettext_lazy("Uncited rows"),
        gettext_lazy(
            "Reference rows without a source and locator, and evidence without a locator."
        ),
    ),
    "membership_dates": (
        ERROR,
        gettext_lazy("Memberships outside their initiative's dates"),
        gettext_lazy(
            "Memberships with no start date, or starting or ending outside the dates of "
            "their initiative (at the precision the dates are known)."
        ),
    ),
    "membership_overlaps": (
        ERROR,
        gettext_lazy("Overlapping memberships"),
        gettext_lazy("Two memberships of the same country in the same initiative at once."),
    ),
    "future_assessments": (
        ERROR,
        gettext_lazy("Assessments dated in the future"),
        gettext_lazy("Levels whose effective date has not come yet."),
    ),
    "assessments_without_evidence": (
        WARNING,
        gettext_lazy("Assessments resting on no evidence"),
        gettext_lazy("Current assessments that cite no evidence you may see."),
    ),
    "evidence_unlinked": (
        WARNING,
        gettext_lazy("Evidence supporting nothing"),
        gettext_lazy("Evidence linked to no cell and no initiative."),
    ),
    "evidence_after_assessment": (
        WARNING,
        gettext_lazy("Evidence dated after the assessment citing it"),
        gettext_lazy(
            "An assessment cites evidence that occurred after its effective date (at the "
            "precision both dates are known)."
        ),
    ),
    "pairs_both_ways": (
        WARNING,
        gettext_lazy("Pairs whose evidence points both ways"),
        gettext_lazy(
            "Bilateral cells with evidence that supports progress and evidence that "
            "undermines it; the assessment should say which prevails."
        ),
    ),
    "overdue_cells": (
        WARNING,
        gettext_lazy("Overdue cells"),
        gettext_lazy(
            "Cells whose current level was not assessed or reconfirmed within its "
            "measure's reporting cadence."
        ),
    ),
}


def _visible(model, user):
    manager = model.objects
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()


def check_uncited_rows(user):
    rows = []
    for model in (Country, CountryPair, Measure, Indicator, Initiative, Membership):
        uncited = _visible(model, user).filter(Q(cite_source__isnull=True) | Q(cite_locator=""))
        rows += [
            _row(obj, model._meta.verbose_name, of=[obj] if hasattr(obj, "marking_id") else [])
            for obj in uncited
        ]
    evidence = Evidence.objects.visible_to(user).filter(retracted=False, locator="")
    for item in evidence.select_related("marking"):
        rows.append(
            _row(
                item.key or item.public_id,
                _("evidence"),
                reverse("evidence", args=[item.public_id]),
                of=[item],
            )
        )
    return rows


def _memberships(user):
    return list(
        Membership.objects.visible_to(user)
        .select_related("initiative", "country", "marking")
        .order_by("initiative__slug", "country_id", "start")
    )


def check_membership_dates(user):
    rows = []
    for m in _memberships(user):
        problems = membership_problems(m, others=())  # overlaps: the next check
        for name, message in problems.items():
            rows.append(
                _row(
                    f"{m.initiative.slug} · {m.country_id} ({m.role})",
                    f"{name}: {message}",
                    of=[m],
                )
            )
    return rows


def check_membership_overlaps(user):
    groups = defaultdict(list)
    for m in _memberships(user):
        groups[(m.initiative_id, m.country_id)].append(m)
    rows = []
    for members in groups.values():
        for i, m in enumerate(members):
            for other in members[i + 1 :]:
                if overlaps(m, other):
                    rows.append(
                        _row(
                            f"{m.initiative.slug} · {m.country_id}",
                            f"{m.role} {period_label(m)} / {other.role} {period_label(other)}",
                            of=[m, other],
                        )
                    )
    return rows


def _assessments(user):
    return (
        Assessment.objects.visible_to(user)
        .filter(retracted=False)
        .select_related("cell__measure", "marking")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.visible_to(user)
                .filter(retracted=False)
                .select_related("marking"),
                to_attr="visible_evidence",
            )
        )
        .order_by("cell_id", "effective_on", "id")
    )


def check_future_assessments(user):
    today = timezone.localdate()
    return [
        _row(a.key or a.pk, f"{a.cell} · {a.effective_on}", _cell_url(a.cell_id), of=[a])
        for a in _assessments(user).filter(effective_on__gt=today)
    ]


def check_assessments_without_evidence(user):
    return [
        _row(a.key or a.pk, f"{a.cell} · {a.get_level_display()}", _cell_url(a.cell_id), of=[a])
        for a in _assessments(user)
        if not a.visible_evidence
    ]


def check_evidence_unlinked(user):
    unlinked = Evidence.objects.visible_to(user).filter(
        retracted=False, cells__isnull=True, initiatives__isnull=True
    )
    return [
        _row(
            e.key or e.public_id,
            e.summary_en[:120],
            reverse("evidence", args=[e.public_id]),
            of=[e],
        )
        for e in unlinked.select_related("marking")
    ]


def check_evidence_after_assessment(user):
    rows = []
    for a in _assessments(user):
        for e in evidence_after(a, a.visible_evidence):
            rows.append(
                _row(
                    a.key or a.pk,
                    f"{a.cell} · {a.effective_on} ← {e.key or e.pk} ({e.occurred_on})",
                    _cell_url(a.cell_id),
                    of=[a, e],
                )
            )
    return rows


def check_pairs_both_ways(user):
    directions = defaultdict(set)
    labels, evidence = {}, defaultdict(list)
    links = Evidence.cells.through.objects.filter(
        evidence__in=Evidence.objects.visible_to(user).filter(retracted=False),
        cell__scope=Scope.BILATERAL,
    ).select_related("cell__measure", "evidence__marking")
    for link in links:
        directions[link.cell_id].add(link.evidence.direction)
        labels[link.cell_id] = str(link.cell)
        evidence[link.cell_id].append(link.evidence)
    both = {Direction.SUPPORTS, Direction.UNDERMINES}
    return [
        _row(labels[pk], "", _cell_url(pk), of=evidence[pk])
        for pk in sorted(directions, key=lambda pk: labels[pk])
        if both <= directions[pk]
    ]


def check_overdue_cells(user, today=None):
    cells = (
        Cell.objects.with_level(user, released=disclosures.is_collecting())
        .exclude(level__in=["no_evidence", Level.NOT_APPLICABLE])
        .select_related("measure")
        .order_by("measure__number", "country_id", "partner_id")
    )
    rows = []
    for c in cells:
        due = due_on(c.level, c.level_effective_on, c.measure.cadence_days)
        if due_state(due, today) == DueState.OVERDUE:
            text = _("%(level)s · %(date)s, due %(due)s") % {
                "level": _level_label(c.level),
                "date": c.level_effective_on,
                "due": due,
            }
            level = disclosures.level_row(c) if disclosures.is_collecting() else None
            rows.append(_row(c, text, _cell_url(c.pk), of=[level] if level else []))
    return rows


def _level_label(level):
    return Level(level).label if level in Level.values else level


CHECKS = {
    "uncited_rows": check_uncited_rows,
    "membership_dates": check_membership_dates,
    "membership_overlaps": check_membership_overlaps,
    "future_assessments": check_future_assessments,
    "assessments_without_evidence": check_assessments_without_evidence,
    "evidence_unlinked": check_evidence_unlinked,
    "evidence_after_assessment": check_evidence_after_assessment,
    "pairs_both_ways": check_pairs_both_ways,
    "overdue_cells": check_overdue_cells,
}


def run_checks(user, names=None):
    """Every check (or those named), as ``Check`` results, for this viewer."""
    results = []
    for name, function in CHECKS.items():
        if names and name not in names:
            continue
        level, title, description = TITLES[name]
        description = str(description)
        results.append(Check(name, level, str(title), description, function(user)))
    return results


def failed_errors(results):
    return [r for r in results if r.level == ERROR and r.failed]
