"""An item of evidence, and the sources evidence cites."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from countries.models import Initiative
from measures.models import Assessment, Cell, Evidence, Source
from measures.reads.labels import grade_explained, highest_marking, localized
from measures.reads.ordering import Column, Order, name_key

from .common import Table, csv_download, readable
from .tables import SortedTable


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
        .select_related("cell", "marking")
        .order_by("-effective_on", "-recorded_at")
    )
    tables = _evidence_tables(evidence, cells, initiatives, assessments)
    if response := csv_download(request, tables, f"evidence-{public_id}"):
        return response
    return render(
        request,
        "measures/evidence_detail.html",
        {
            "evidence": evidence,
            "summary": localized(evidence, "summary"),
            "grade": grade_explained(evidence.source_reliability, evidence.information_credibility),
            "cells": cells,
            "initiatives": initiatives,
            "assessments": assessments,
            "page_marking": highest_marking([evidence.marking] + [a.marking for a in assessments]),
        },
    )


def _evidence_tables(evidence, cells, initiatives, assessments):
    """The evidence page's tables, downloadable as CSV (each lists links of
    the evidence, so each releases it)."""
    return [
        Table(
            "cells",
            ["measure", "country", "partner"],
            [(c.measure.number, c.country_id, c.partner_id) for c in cells],
            releases=[evidence],
        ),
        Table(
            "initiatives",
            ["initiative", "name"],
            [(i.slug, localized(i, "name")) for i in initiatives],
            releases=[evidence, *initiatives],
        ),
        Table(
            "assessments",
            ["cell", "level", "effective_on", "marking", "retracted"],
            [
                (a.cell.cell_label, a.level, a.effective_on, str(a.marking), a.retracted)
                for a in assessments
            ],
            releases=[evidence, *assessments],
        ),
    ]


@readable
def source_list(request):
    sources = list(Source.objects.visible_to(request.user).select_related("marking"))
    table = SortedTable(
        request,
        sources,
        [
            Column("title", _("Title"), lambda s: name_key(s.title)),
            Column("key", _("Key"), lambda s: s.key),
            Column("author", _("Author"), lambda s: name_key(s.author) if s.author else None),
            Column("date", _("Date"), lambda s: s.published_on, descending_first=True),
        ],
        Order("title"),
        lambda s: (s.title, s.key, s.author, s.publisher),
        anchor="sources",
    )
    download = Table(
        "sources",
        ["title", "key", "author", "publisher", "published_on", "language", "marking"],
        [
            (s.title, s.key, s.author, s.publisher, s.published_on, s.language, str(s.marking))
            for s in table.rows
        ],
        releases=table.rows,
    )
    if response := csv_download(request, [download], "sources"):
        return response
    return render(
        request,
        "measures/source_list.html",
        {"table": table, "page_marking": highest_marking(s.marking for s in sources)},
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
        .prefetch_related(Prefetch("cells", queryset=Cell.objects.select_related("measure")))
        .order_by("-occurred_on", "id")
    )
    table = Table(
        "evidence",
        ["id", "occurred_on", "precision", "summary", "locator", "grade", "direction", "marking"],
        [
            (
                e.public_id,
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
        releases=[source, *evidence],
    )
    if response := csv_download(request, [table], f"source-{key}"):
        return response
    return render(
        request,
        "measures/source_detail.html",
        {
            "source": source,
            "evidence": evidence,
            "page_marking": highest_marking([source.marking] + [e.marking for e in evidence]),
        },
    )
