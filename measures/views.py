"""Web pages. Every page reads through the visibility rule (``visible_to``,
``with_level``, ``viewer_for``) and the scorecards; every write goes through
measures/services.py. Hidden objects answer 404, as in the API.

Subscription links from mails work without logging in: the signed token is
the authority, and a GET never changes anything (mail scanners follow links),
only the POST does."""

import datetime
import itertools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from knox.models import AuthToken

from countries.models import Country, Initiative
from digests import services as digest_services
from digests import signed_links

from . import pages, services
from .access import viewer_for
from .audit.revisions import StaleVersion
from .choices import NO_EVIDENCE, Level, Scope
from .forms import (
    AssessmentForm,
    EvidenceForm,
    FilterForm,
    ReconfirmForm,
    RevokeTokenForm,
    SubscriptionForm,
    TokenForm,
    add_refusal,
)
from .models import Assessment, CarriedMeasure, Evidence, Indicator, Measure, Source, Status
from .pages import Table, csv_download, localized, readable
from .reads import charts, exports, scorecards
from .rules import evidence_after
from .services import NotVisible

# Countries per page of the heat map (a 200 × 200 matrix stays fast: only one
# page of rows is computed, in a fixed number of queries).
PAGE_SIZE = 50
# Measure columns per page: the score column still covers every selected measure.
COLUMNS_PER_PAGE = 50
# Region groups of the heat map, in this order; a country in several regions
# (Mauritania: Maghreb and Sahel) is listed under the first.
REGION_ORDER = ["maghreb", "sahel", "west_africa", "mashreq", "europe", "north_america"]


def read_as_of(request):
    """``?as_of=YYYY-MM-DD`` or None; a bad date is ignored with a message."""
    raw = request.GET.get("as_of", "")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, _("Ignored the as-of date: give it as YYYY-MM-DD."))
        return None


def cell_links(codes=None, numbers=None, measure=None):
    """Cell ids by (measure number, country, partner), for links (one query)."""
    qs = Status.objects.all()
    if codes is not None:
        qs = qs.filter(Q(country_id__in=codes) | Q(partner_id__in=codes))
    if numbers is not None:
        qs = qs.filter(measure__number__in=numbers)
    if measure is not None:
        qs = qs.filter(measure=measure)
    return {
        (n, a, b): pk
        for pk, n, a, b in qs.values_list("pk", "measure__number", "country_id", "partner_id")
    }


def pair_key(number, iso, other):
    first, second = sorted((iso, other))
    return (number, first, second)


# --- the overview: countries × measures ------------------------------------------


@readable
def overview(request):
    viewer = viewer_for(request.user)
    form = FilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    as_of = data.get("as_of")
    filters = scorecards.Filters(
        region=data.get("region") or None,
        initiative=data.get("initiative") or None,
        domain=data.get("domain") or None,
    )
    if request.GET.get("format") == "csv":
        card = scorecards.matrix(viewer, as_of, filters)
        table = exports.matrix_table(card)
        return csv_download(
            request, [Table("heatmap", table["columns"], table["rows"])], "overview"
        )

    countries = scorecards.select_countries(viewer, filters, as_of)
    regions = {r.code: localized(r, "name") for r in form.regions}
    memberships = {}
    for iso, code in Country.regions.through.objects.values_list("country_id", "region_id"):
        memberships.setdefault(iso, []).append(code)
    order = {code: i for i, code in enumerate(REGION_ORDER)}

    def group_of(iso):
        codes = sorted(memberships.get(iso, []), key=lambda c: (order.get(c, 99), c))
        return codes[0] if codes else ""

    countries.sort(
        key=lambda c: (
            order.get(group_of(c["iso2"]), 99),
            group_of(c["iso2"]),
            localized(c, "name"),
        )
    )
    paginator = Paginator(countries, PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    codes = tuple(c["iso2"] for c in page.object_list)
    groups, measures, column_page = [], [], None
    if not codes:
        measures = scorecards.select_measures(filters)
    else:
        card = scorecards.heatmap(
            viewer, as_of, scorecards.Filters(countries=codes, domain=filters.domain)
        )
        columns = Paginator(card["measures"], COLUMNS_PER_PAGE)
        column_page = columns.get_page(data.get("columns") or 1)
        first = (column_page.number - 1) * COLUMNS_PER_PAGE
        shown = slice(first, first + COLUMNS_PER_PAGE)
        measures = card["measures"][shown]
        links = cell_links(codes, [m["number"] for m in measures])
        rows = {r["iso2"]: r for r in card["results"]}
        threshold = pages.stale_threshold(as_of)
        for country in page.object_list:
            row = rows[country["iso2"]]
            group = group_of(country["iso2"])
            if not groups or groups[-1]["code"] != group:
                groups.append({"code": group, "name": regions.get(group, _("other")), "rows": []})
            row = {**row, "cells": row["cells"][shown]}
            groups[-1]["rows"].append(
                _heatmap_row(row, measures, links, threshold, as_of, also=memberships)
            )
    for m in measures:
        m["title"] = localized(m, "title")
    return render(
        request,
        "measures/overview.html",
        {
            "form": form,
            "as_of": as_of,
            "filters": filters,
            "groups": groups,
            "measures": measures,
            "page": page,
            "column_page": column_page,
            "paginator": paginator,
            "legend": pages.legend(),
            "country_count": len(countries),
        },
    )


def _heatmap_row(row, measures, links, threshold, as_of, also):
    iso, name = row["iso2"], localized(row, "name")
    cells = []
    for measure, entry in zip(measures, row["cells"], strict=True):
        n, level = measure["number"], entry["level"]
        text = _("%(country)s, measure %(n)s: %(level)s") % {
            "country": name,
            "n": n,
            "level": pages.level_label(level),
        }
        if entry["effective_on"]:
            text += " " + _("(since %(date)s)") % {"date": entry["effective_on"].isoformat()}
        cell = {
            "number": n,
            "level": level,
            "initials": pages.level_initials(level),
            "label": text,
            "stale": pages.is_stale(level, entry["effective_on"], threshold),
        }
        if "pairs" in entry:
            cell["pairs"] = [
                {
                    "partner": p["partner"],
                    "level": p["level"],
                    "initials": pages.level_initials(p["level"]),
                    "label": pages.level_label(p["level"]),
                    "url": _cell_url(links.get(pair_key(n, iso, p["partner"])), as_of),
                }
                for p in entry["pairs"]
            ]
            cell["url"] = reverse("country", args=[iso]) + f"#measure-{n}"
        else:
            cell["url"] = _cell_url(links.get((n, iso, None)), as_of)
        cells.append(cell)
    regions = also.get(iso, [])
    return {
        "iso": iso,
        "name": name,
        "score": row["score"],
        "rated": row["rated"],
        "cells": cells,
        "regions": regions,
    }


def _cell_url(pk, as_of=None):
    if pk is None:
        return ""
    url = reverse("cell", args=[pk])
    return f"{url}?as_of={as_of.isoformat()}" if as_of else url


# --- how scores work ---------------------------------------------------------------


def how_scores_work(request):
    from .choices import WEIGHTS

    scale = [
        {
            "level": level,
            "label": pages.level_label(level),
            "initials": pages.level_initials(level),
            "weight": WEIGHTS.get(level),
        }
        for level in pages.LEGEND_ORDER
    ]
    return render(
        request,
        "measures/how_scores_work.html",
        {"scale": scale, "stale_days": settings.CBM_STALE_AFTER_DAYS},
    )


# --- measures ------------------------------------------------------------------


@readable
def measure_list(request):
    measures = list(Measure.objects.order_by("number"))
    table = Table(
        "measures",
        ["number", "title", "domain", "scope"],
        [(m.number, localized(m, "title"), m.domain, m.scope) for m in measures],
    )
    if response := csv_download(request, [table], "measures"):
        return response
    return render(request, "measures/measure_list.html", {"measures": measures})


@readable
def measure_detail(request, number):
    viewer = viewer_for(request.user)
    if number > 32767:
        raise Http404
    measure = get_object_or_404(Measure, number=number)
    as_of = read_as_of(request)
    card = scorecards.measure_scorecard(viewer, number, as_of)
    links = cell_links(measure=measure)
    cite = Source.objects.visible_to(request.user).filter(pk=measure.cite_source_id).first()
    carriers = list(
        CarriedMeasure.objects.visible_to(request.user)
        .filter(measure=measure)
        .select_related("initiative__marking")
        .order_by("initiative__slug")
    )
    history = list(
        Assessment.objects.visible_to(request.user)
        .filter(status__measure=measure)
        .select_related("status", "marking", "recorded_by")
        .order_by("-effective_on", "-recorded_at", "-id")[:500]
    )
    indicators = list(
        Indicator.objects.filter(measure=measure).prefetch_related("observations").order_by("slug")
    )
    threshold = pages.stale_threshold(as_of)
    rows = []
    for r in card["results"]:
        iso = r["country"]
        row = {
            **r,
            "name": localized(r, "name"),
            "stale": pages.is_stale(r["level"], r["effective_on"], threshold),
            "url": _cell_url(links.get((number, iso, None)), as_of),
            "pairs": [
                {
                    **p,
                    "url": _cell_url(links.get(pair_key(number, iso, p["partner"])), as_of),
                    "stale": pages.is_stale(p["level"], p["effective_on"], threshold),
                }
                for p in r.get("pairs", ())
            ],
        }
        rows.append(row)
    rows.sort(key=lambda r: r["name"])
    charts_out = [_indicator_chart(i, measure) for i in indicators]
    tables = [
        Table(
            "countries",
            ["country", "name", "partner", "level", "value", "effective_on", "evidence_count"],
            itertools.chain.from_iterable(
                [
                    (
                        r["country"],
                        r["name"],
                        None,
                        r["level"],
                        r["value"],
                        r["effective_on"],
                        r["evidence_count"],
                    ),
                    *[
                        (
                            r["country"],
                            r["name"],
                            p["partner"],
                            p["level"],
                            None,
                            p["effective_on"],
                            p["evidence_count"],
                        )
                        for p in r["pairs"]
                    ],
                ]
                for r in rows
            ),
        ),
        Table(
            "initiatives",
            ["initiative", "name", "note"],
            [(c.initiative.slug, localized(c.initiative, "name"), c.note) for c in carriers],
        ),
        Table(
            "history",
            [
                "cell",
                "level",
                "effective_on",
                "precision",
                "recorded_at",
                "recorded_by",
                "rationale",
                "marking",
                "retracted",
            ],
            [
                (
                    a.status.cell_label,
                    a.level,
                    a.effective_on,
                    a.effective_precision,
                    a.recorded_at,
                    a.recorded_by.get_username(),
                    localized(a, "rationale"),
                    str(a.marking),
                    a.retracted,
                )
                for a in history
            ],
        ),
        *pages.indicator_tables(charts_out, by_country=True),
    ]
    if response := csv_download(request, tables, f"measure-{number}"):
        return response
    return render(
        request,
        "measures/measure_detail.html",
        {
            "measure": measure,
            "as_of": as_of,
            "cite": cite,
            "card": card,
            "rows": rows,
            "carriers": carriers,
            "history": history,
            "charts": charts_out,
            "is_bilateral": measure.scope == Scope.BILATERAL,
            "page_marking": pages.highest_marking(
                [a.marking for a in history] + [c.initiative.marking for c in carriers]
            ),
        },
    )


def _indicator_chart(indicator, measure=None, country=None):
    """One indicator's observations as an SVG line chart, per country (or region-wide)."""
    observations = [
        o for o in indicator.observations.all() if country is None or o.country_id == country.iso2
    ]
    observations.sort(key=lambda o: (o.country_id or "", o.observed_on))
    series = []
    for iso, items in itertools.groupby(observations, key=lambda o: o.country_id):
        items = list(items)
        series.append((iso or _("region-wide"), [(o.observed_on, o.value) for o in items]))
    name = localized(indicator, "name")
    target = baseline = None
    start = end = None
    percent = False
    if measure is not None and measure.target_value is not None:
        target = (_("target"), measure.target_value)
        if measure.baseline_value is not None:
            baseline = (_("baseline"), measure.baseline_value)
        start = measure.baseline_on
        end = max([o.observed_on for o in observations] + [timezone.localdate()])
    figures = "; ".join(
        f"{label}: " + ", ".join(f"{d.isoformat()} {v} {indicator.unit}" for d, v in data)
        for label, data in series
    )
    desc = _("%(name)s (%(unit)s). Observations: %(figures)s.") % {
        "name": name,
        "unit": indicator.unit,
        "figures": figures or _("none"),
    }
    if target:
        desc += " " + _("Target: %(target)s %(unit)s; baseline %(baseline)s %(unit)s.") % {
            "target": measure.target_value,
            "baseline": measure.baseline_value,
            "unit": measure.unit,
        }
    svg = charts.line_chart(
        f"indicator-{indicator.slug}",
        series,
        title=name,
        desc=desc,
        y_label=indicator.unit,
        decimals=1 if any(o.value % 1 for o in observations) else 0,
        target=target,
        baseline=baseline,
        start=start,
        end=end,
        percent=percent,
        y_min=0,
    )
    return {"indicator": indicator, "name": name, "svg": svg, "observations": observations}


# --- evidence and sources -----------------------------------------------------------


@readable
def evidence_detail(request, public_id):
    evidence = get_object_or_404(
        Evidence.objects.visible_to(request.user).select_related(
            "source", "marking", "source__marking"
        ),
        public_id=public_id,
    )
    cells = list(
        evidence.cells.select_related("measure", "country", "partner").order_by(
            "measure__number", "country", "partner"
        )
    )
    initiatives = list(
        Initiative.objects.visible_to(request.user)
        .filter(evidence=evidence)
        .select_related("marking")
        .order_by("slug")
    )
    assessments = list(
        Assessment.objects.visible_to(request.user)
        .filter(evidence=evidence)
        .select_related("status", "marking")
        .order_by("-effective_on", "-recorded_at")
    )
    tables = [
        Table(
            "cells",
            ["measure", "country", "partner"],
            [(c.measure.number, c.country_id, c.partner_id) for c in cells],
        ),
        Table(
            "initiatives",
            ["initiative", "name"],
            [(i.slug, localized(i, "name")) for i in initiatives],
        ),
        Table(
            "assessments",
            ["cell", "level", "effective_on", "marking", "retracted"],
            [
                (a.status.cell_label, a.level, a.effective_on, str(a.marking), a.retracted)
                for a in assessments
            ],
        ),
    ]
    if response := csv_download(request, tables, f"evidence-{public_id}"):
        return response
    return render(
        request,
        "measures/evidence_detail.html",
        {
            "evidence": evidence,
            "summary": localized(evidence, "summary"),
            "grade": pages.grade_explained(
                evidence.source_reliability, evidence.information_credibility
            ),
            "cells": cells,
            "initiatives": initiatives,
            "assessments": assessments,
            "page_marking": pages.highest_marking(
                [evidence.marking] + [a.marking for a in assessments]
            ),
        },
    )


@readable
def source_list(request):
    sources = list(Source.objects.visible_to(request.user).select_related("marking"))
    table = Table(
        "sources",
        ["key", "title", "author", "publisher", "published_on", "language", "marking"],
        [
            (s.key, s.title, s.author, s.publisher, s.published_on, s.language, str(s.marking))
            for s in sources
        ],
    )
    if response := csv_download(request, [table], "sources"):
        return response
    return render(
        request,
        "measures/source_list.html",
        {"sources": sources, "page_marking": pages.highest_marking(s.marking for s in sources)},
    )


@readable
def source_detail(request, key):
    source = get_object_or_404(
        Source.objects.visible_to(request.user).select_related("marking"), key=key
    )
    evidence = list(
        Evidence.objects.visible_to(request.user)
        .filter(source=source)
        .select_related("marking")
        .prefetch_related(Prefetch("cells", queryset=Status.objects.select_related("measure")))
        .order_by("-occurred_on", "id")
    )
    table = Table(
        "evidence",
        ["id", "occurred_on", "precision", "summary", "locator", "grade", "direction", "marking"],
        [
            (
                e.pk,
                e.occurred_on,
                e.occurred_precision,
                localized(e, "summary"),
                e.locator,
                e.reliability,
                e.direction,
                str(e.marking),
            )
            for e in evidence
        ],
    )
    if response := csv_download(request, [table], f"source-{key}"):
        return response
    return render(
        request,
        "measures/source_detail.html",
        {
            "source": source,
            "evidence": evidence,
            "page_marking": pages.highest_marking([source.marking] + [e.marking for e in evidence]),
        },
    )


# --- a cell: its history, and the staff workflow ---------------------------------------


def _pickable_evidence(user, status):
    """Visible, non-retracted evidence an editor may rest an assessment on: about
    this cell, its countries or its measure (most recent first)."""
    codes = [c for c in (status.country_id, status.partner_id) if c]
    about = Q(cells=status) | Q(cells__measure_id=status.measure_id)
    about |= Q(cells__country_id__in=codes) | Q(cells__partner_id__in=codes)
    ids = (
        Evidence.objects.visible_to(user)
        .filter(retracted=False)
        .filter(about)
        .values("pk")
        .distinct()
    )
    return list(
        Evidence.objects.filter(pk__in=ids)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")[:200]
    )


@readable
@require_http_methods(["GET", "POST"])
def cell_detail(request, pk):
    viewer = viewer_for(request.user)
    as_of = read_as_of(request)
    cell = get_object_or_404(Status.objects.select_related("measure", "country", "partner"), pk=pk)
    may_edit = viewer.may_edit_cell(cell)
    if request.method == "GET":
        return _render_cell(request, cell, as_of, may_edit)
    if not may_edit:
        # The service would refuse too; say so plainly and change nothing.
        messages.error(
            request,
            _("You may not record for %(cell)s: it is outside your country scope.")
            % {"cell": cell.cell_label},
        )
        return _render_cell(request, cell, as_of, may_edit, code=403)
    action = request.POST.get("action", "record")
    if action == "reconfirm":
        refusal = _reconfirm(request, cell)
        if refusal is None:
            return redirect(reverse("cell", args=[cell.pk]))
        message, code = refusal
        return _render_cell(request, cell, as_of, may_edit, reconfirm_errors=[message], code=code)
    if action == "evidence":
        form = EvidenceForm(request.POST, user=request.user)
        if not form.is_valid():
            return _render_cell(request, cell, as_of, may_edit, evidence_form=form, code=400)
        try:
            item = services.create_evidence(request.user, cells=[cell], **form.service_kwargs())
        except (ValidationError, PermissionDenied, NotVisible) as exc:
            add_refusal(form, exc)
            code = 403 if isinstance(exc, PermissionDenied) else 400
            return _render_cell(request, cell, as_of, may_edit, evidence_form=form, code=code)
        messages.success(
            request,
            _("Evidence %(id)s added to this cell; you can now rest an assessment on it.")
            % {"id": item.pk},
        )
        return redirect(reverse("cell", args=[cell.pk]))
    evidence = _pickable_evidence(request.user, cell)
    form = AssessmentForm(request.POST, user=request.user, evidence=evidence)
    if not form.is_valid():
        return _render_cell(request, cell, as_of, may_edit, form=form, code=400)
    try:
        services.record_assessment(request.user, cell, **form.service_kwargs())
    except StaleVersion as exc:
        # Refused: show the fresh state, keep the input, carry the new version.
        data = request.POST.copy()
        data["version"] = str(exc.current)
        form = AssessmentForm(data, user=request.user, evidence=evidence)
        form.is_valid()
        add_refusal(form, exc)
        return _render_cell(request, cell, as_of, may_edit, form=form, code=409)
    except (ValidationError, PermissionDenied, NotVisible) as exc:
        add_refusal(form, exc)
        code = 403 if isinstance(exc, PermissionDenied) else 400
        return _render_cell(request, cell, as_of, may_edit, form=form, code=code)
    messages.success(request, _("Assessment recorded."))
    return redirect(reverse("cell", args=[cell.pk]))


def _reconfirm(request, cell):
    """ "Still true as of today": the current level again, today, on the same
    evidence and under the same marking (so nothing hidden is lowered).
    Returns None when recorded, else (message, HTTP status)."""
    form = ReconfirmForm(request.POST)
    if not form.is_valid():
        return _("The form was incomplete; reload the page."), 400
    current = (
        Assessment.objects.visible_to(request.user)
        .filter(status=cell, retracted=False)
        .select_related("marking")
        .prefetch_related("evidence")
        .order_by("-effective_on", "-recorded_at", "-id")
        .first()
    )
    if current is None:
        return _("There is no assessment to reconfirm: record one instead."), 400
    today = timezone.localdate()
    try:
        services.record_assessment(
            request.user,
            cell,
            level=current.level,
            effective_on=max(today, current.effective_on),
            effective_precision="day",
            rationale_en=f"Reconfirmed: still true as of {today.isoformat()}.",
            rationale_fr=f"Reconfirmé : toujours vrai au {today.isoformat()}.",
            evidence=list(current.evidence.all()),
            marking=current.marking,
            expected_version=form.cleaned_data["version"],
            message=_("Assessment reconfirmed"),
        )
    except StaleVersion as exc:
        return _(
            "Someone recorded on this cell since you opened it (you read version "
            "%(expected)s; it is now at version %(current)s). Nothing was saved. The "
            "current state is shown below: check it, then reconfirm again if it still "
            "stands."
        ) % {"expected": exc.expected, "current": exc.current}, 409
    except (ValidationError, PermissionDenied, NotVisible) as exc:
        code = 403 if isinstance(exc, PermissionDenied) else 400
        return " ".join(getattr(exc, "messages", [str(exc)])), code
    messages.success(
        request,
        _("Reconfirmed: %(level)s, still true as of %(date)s.")
        % {"level": pages.level_label(current.level), "date": today.isoformat()},
    )
    return None


def _render_cell(
    request,
    status,
    as_of,
    may_edit,
    *,
    form=None,
    evidence_form=None,
    reconfirm_errors=(),
    code=200,
):
    fresh = Status.objects.with_level(request.user, as_of).get(pk=status.pk)
    history = list(
        Assessment.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("marking", "recorded_by", "retracted_by")
        .prefetch_related("evidence")
        .order_by("-effective_on", "-recorded_at", "-id")
    )
    evidence = list(
        Evidence.objects.visible_to(request.user)
        .filter(cells=status)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")
    )
    threshold = pages.stale_threshold(as_of)
    if may_edit and form is None:
        pickable = _pickable_evidence(request.user, status)
        form = AssessmentForm(
            initial={
                "version": fresh.version,
                "effective_on": timezone.localdate(),
                "level": fresh.level if fresh.level in Level.values else Level.NOT_STARTED,
            },
            user=request.user,
            evidence=pickable,
        )
    if may_edit and evidence_form is None:
        evidence_form = EvidenceForm(
            initial={"occurred_on": timezone.localdate()}, user=request.user
        )
    tables = [
        Table(
            "history",
            [
                "level",
                "effective_on",
                "precision",
                "recorded_at",
                "recorded_by",
                "rationale",
                "evidence",
                "marking",
                "retracted",
            ],
            [
                (
                    a.level,
                    a.effective_on,
                    a.effective_precision,
                    a.recorded_at,
                    a.recorded_by.get_username(),
                    localized(a, "rationale"),
                    " ".join(str(e.public_id) for e in a.evidence.all()),
                    str(a.marking),
                    a.retracted,
                )
                for a in history
            ],
        ),
        Table(
            "evidence",
            ["id", "occurred_on", "summary", "source", "locator", "grade", "direction", "marking"],
            [
                (
                    e.public_id,
                    e.occurred_on,
                    localized(e, "summary"),
                    e.source.key,
                    e.locator,
                    e.reliability,
                    e.direction,
                    str(e.marking),
                )
                for e in evidence
            ],
        ),
    ]
    if request.method == "GET" and (response := csv_download(request, tables, f"cell-{status.pk}")):
        return response
    # Evidence of an assessment is shown only when the viewer may see it.
    visible_ids = {e.pk for e in evidence} | (
        {e.pk for e in form.evidence_rows.values()} if form is not None else set()
    )
    for a in history:
        a.shown_evidence = [e for e in a.evidence.all() if e.pk in visible_ids]
        a.later_evidence = evidence_after(a, a.shown_evidence)  # allowed, but flagged
    return render(
        request,
        "measures/cell_detail.html",
        {
            "cell": status,
            "fresh": fresh,
            "as_of": as_of,
            "measure_title": localized(status.measure, "title"),
            "stale": pages.is_stale(fresh.level, fresh.level_effective_on, threshold),
            "stale_days": settings.CBM_STALE_AFTER_DAYS,
            "history": history,
            "evidence": evidence,
            "may_edit": may_edit,
            "form": form,
            "evidence_form": evidence_form,
            "reconfirm_errors": reconfirm_errors,
            "can_reconfirm": may_edit and fresh.level not in (NO_EVIDENCE,),
            "page_marking": pages.highest_marking(
                [a.marking for a in history] + [e.marking for e in evidence]
            ),
        },
        status=code,
    )


# --- account: API tokens and the digest subscription ------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    subscription = (
        user.subscriptions.filter(unsubscribed_at__isnull=True)
        .prefetch_related("countries", "measures", "initiatives")
        .first()
    )
    token_form = TokenForm()
    new_token = None
    subscription_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_token":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                _row, new_token = services.issue_token(user, token_form.cleaned_data["days"])
                messages.success(
                    request,
                    _("Token created. Copy it now: it is shown only once and stored hashed."),
                )
        elif action == "revoke_token":
            form = RevokeTokenForm(request.POST)
            if form.is_valid():
                if services.revoke_token(user, form.cleaned_data["token_key"]):
                    messages.success(request, _("Token revoked."))
                else:
                    messages.error(request, _("No such token."))
                return redirect("account")
        elif action in ("subscribe", "update_subscription"):
            subscription_form = SubscriptionForm(request.POST, user=user)
            if subscription_form.is_valid():
                data = subscription_form.cleaned_data
                try:
                    if action == "subscribe":
                        digest_services.subscribe(
                            user, language=data["language"], **subscription_form.follows()
                        )
                        messages.success(request, _("Subscribed to the weekly digest."))
                    elif subscription is None:
                        raise Http404
                    else:
                        digest_services.update_subscription(
                            user,
                            subscription,
                            expected_version=data["version"] or 0,
                            language=data["language"],
                            paused=data["paused"],
                            **subscription_form.follows(),
                        )
                        messages.success(request, _("Subscription changed."))
                except (ValidationError, PermissionDenied, NotVisible, StaleVersion) as exc:
                    add_refusal(subscription_form, exc)
                else:
                    return redirect("account")
        elif action == "unsubscribe":
            if subscription is not None:
                digest_services.unsubscribe(subscription, actor=user)
                messages.success(request, _("Unsubscribed: no more digests will be sent."))
            return redirect("account")
    if subscription_form is None:
        if subscription is not None:
            subscription_form = SubscriptionForm(
                initial={
                    "countries": [c.iso2 for c in subscription.countries.all()],
                    "measures": [str(m.number) for m in subscription.measures.all()],
                    "initiatives": [i.slug for i in subscription.initiatives.all()],
                    "language": subscription.language,
                    "paused": subscription.paused,
                    "version": subscription.version,
                },
                user=user,
            )
        else:
            subscription_form = SubscriptionForm(
                initial={"language": request.LANGUAGE_CODE[:2]}, user=user
            )
    tokens_list = list(AuthToken.objects.filter(user=user).order_by("-created"))
    viewer = viewer_for(user)
    return render(
        request,
        "measures/account.html",
        {
            "tokens": tokens_list,
            "new_token": new_token,
            "token_form": token_form,
            "subscription": subscription,
            "subscription_form": subscription_form,
            "viewer": viewer,
            "now": timezone.now(),
        },
    )


# --- subscription links from mails (no login) ----------------------------------------


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscription = signed_links.subscription_for(token, signed_links.UNSUBSCRIBE)
    if subscription is None:
        return render(request, "measures/subscription_link.html", {"invalid": True}, status=400)
    if request.method == "POST":
        digest_services.unsubscribe(subscription)
        return render(request, "measures/subscription_link.html", {"done": "unsubscribed"})
    return render(
        request,
        "measures/subscription_link.html",
        {"ask": "unsubscribe", "recipient": subscription.recipient},
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    subscription = signed_links.subscription_for(token, signed_links.CONFIRM)
    if subscription is None or subscription.user_id is not None:
        return render(request, "measures/subscription_link.html", {"invalid": True}, status=400)
    if request.method == "POST":
        digest_services.confirm_subscription(subscription)
        return render(request, "measures/subscription_link.html", {"done": "confirmed"})
    return render(
        request,
        "measures/subscription_link.html",
        {"ask": "confirm", "recipient": subscription.recipient},
    )
