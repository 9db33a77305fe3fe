"""The REST lists as CSV tables: for each list, its columns and how one listed
row (as the list's viewset reads it, already narrowed to what the caller may
see) becomes CSV lines. One place per list, so the API, its OpenAPI
description and the data dictionary's test all read the same columns.

Codes and names go side by side (``country`` and ``country_name``,
``level`` and ``level_label``), names in the reader's language; a marking
reads as its label. The rows are exactly the objects the JSON page
serialises, so the CSV has the JSON's filters, order and paging.
"""

from collections.abc import Callable
from dataclasses import dataclass

from countries.choices import InitiativeKind
from countries.models import Country

from ..choices import Direction, Domain, ProposalState, Scope
from .labels import level_label, localized


@dataclass(frozen=True)
class ListTable:
    name: str  # the file name's stem and the list's path: cbm-<name>-<date>.csv
    columns: tuple
    lines: Callable  # (row, Names) -> CSV lines of that row


class Names:
    """Country names in the reader's language, read once per table (one query)."""

    def __init__(self):
        self.countries = {c.iso2: localized(c, "name") for c in Country.objects.all()}

    def country(self, code):
        return self.countries.get(code, "") if code else ""


def _label(enum, code):
    return enum(code).label if code in enum.values else ""


def _marking(marking):
    return str(marking) if marking is not None else ""


def _spaced(values):
    return " ".join(str(v) for v in values)


def _cell_place(cell, names):
    """measure, measure_title, country, country_name, partner, partner_name."""
    return [
        cell.measure.number,
        localized(cell.measure, "title"),
        cell.country_id,
        names.country(cell.country_id),
        cell.partner_id,
        names.country(cell.partner_id),
    ]


PLACE = ("measure", "measure_title", "country", "country_name", "partner", "partner_name")


def _country(country, names):
    regions = list(country.regions.all())
    return [
        [
            country.iso2,
            country.iso3,
            localized(country, "name"),
            "; ".join(r.code for r in regions),
            "; ".join(localized(r, "name") for r in regions),
        ]
    ]


def _initiative(initiative, names):
    return [
        [
            initiative.slug,
            initiative.acronym,
            localized(initiative, "name"),
            initiative.kind,
            _label(InitiativeKind, initiative.kind),
            initiative.started_on,
            initiative.ended_on,
            _marking(initiative.marking),
            _spaced(sorted(c.measure.number for c in initiative.carried_measures.all())),
            "; ".join(f"{m.country_id} ({m.role})" for m in initiative.visible_memberships),
        ]
    ]


def _measure(measure, names):
    return [
        [
            measure.number,
            localized(measure, "title"),
            measure.domain,
            _label(Domain, measure.domain),
            measure.scope,
            _label(Scope, measure.scope),
            measure.cite_source.key if measure.cite_source_id else "",
            measure.cite_locator,
            _spaced(c.initiative.slug for c in measure.visible_carriers),
        ]
    ]


def _source(source, names):
    return [
        [
            source.key,
            source.title,
            source.author,
            source.publisher,
            source.published_on,
            source.published_precision,
            source.language,
            source.url,
            _marking(source.marking),
        ]
    ]


def _cell(cell, names):
    return [
        [
            cell.pk,
            *_cell_place(cell, names),
            cell.scope,
            _label(Scope, cell.scope),
            cell.level,
            level_label(cell.level),
            cell.level_effective_on,
            cell.version,
        ]
    ]


def _assessment(assessment, names):
    return [
        [
            assessment.public_id,
            assessment.cell_id,
            *_cell_place(assessment.cell, names),
            assessment.level,
            level_label(assessment.level),
            assessment.effective_on,
            assessment.effective_precision,
            assessment.recorded_at,
            assessment.recorded_by.username,
            localized(assessment, "rationale"),
            _spaced(sorted(str(e.public_id) for e in assessment.visible_evidence)),
            _marking(assessment.marking),
            assessment.retracted,
        ]
    ]


def _evidence_grading(item):
    """direction, direction_label, grade."""
    return [item.direction, _label(Direction, item.direction), item.reliability]


def _evidence_links(item):
    """cells, initiatives (those the reader may see: ``visible_initiatives``)."""
    return [
        "; ".join(f"{c.measure.number} · {c.cell_label}" for c in item.cells.all()),
        _spaced(sorted(i.slug for i in item.visible_initiatives)),
    ]


def _evidence(item, names):
    return [
        [
            item.public_id,
            item.occurred_on,
            item.occurred_precision,
            localized(item, "summary"),
            item.quote,
            item.locator,
            item.source.key,
            *_evidence_grading(item),
            _marking(item.marking),
            *_evidence_links(item),
            item.retracted,
        ]
    ]


def _package_evidence(item, names):
    """The list's line the data package's way (measures/reads/packages.py): the
    summary in both languages and the marking's key, as its other files write
    them, each beside what the list shows (the source's title, the marking's
    label); no ``retracted``, a package holds none."""
    return [
        [
            item.public_id,
            item.occurred_on,
            item.occurred_precision,
            item.summary_en,
            item.summary_fr,
            item.quote,
            item.locator,
            item.source.key,
            item.source.title,
            *_evidence_grading(item),
            item.marking.key,
            _marking(item.marking),
            *_evidence_links(item),
        ]
    ]


def _indicator(indicator, names):
    """One line per observation (an indicator without any still has its line)."""
    head = [
        indicator.slug,
        localized(indicator, "name"),
        indicator.measure.number if indicator.measure_id else None,
        indicator.cite_source.key if indicator.cite_source_id else "",
        indicator.cite_locator,
    ]
    unit = localized(indicator, "unit")
    observations = list(indicator.observations.all())
    if not observations:
        return [[*head, None, "", None, "", None, unit, ""]]
    return [
        [
            *head,
            o.country_id,
            names.country(o.country_id),
            o.observed_on,
            o.precision,
            o.value,
            unit,
            localized(o, "note"),
        ]
        for o in observations
    ]


def _reply(reply, names):
    return [
        [
            reply.public_id,
            reply.assessment.public_id,
            reply.country_id,
            names.country(reply.country_id),
            localized(reply, "text"),
            _spaced(sorted(str(e.public_id) for e in reply.visible_evidence)),
            _marking(reply.marking),
            reply.created_at,
            reply.created_by.username,
            reply.retracted,
        ]
    ]


def _proposal(proposal, names):
    return [
        [
            proposal.public_id,
            proposal.cell_id,
            *_cell_place(proposal.cell, names),
            proposal.level,
            level_label(proposal.level),
            proposal.current_level,
            level_label(proposal.current_level),
            proposal.effective_on,
            proposal.effective_precision,
            localized(proposal, "rationale"),
            _spaced(sorted(str(e.public_id) for e in proposal.visible_evidence)),
            _marking(proposal.marking),
            proposal.state,
            _label(ProposalState, proposal.state),
            proposal.proposed_by.username,
            proposal.proposed_at,
            proposal.decided_by.username if proposal.decided_by_id else "",
            proposal.decided_at,
            proposal.comment,
            proposal.version,
        ]
    ]


def _subscription(subscription, names):
    countries = sorted(c.iso2 for c in subscription.countries.all())
    return [
        [
            subscription.pk,
            subscription.recipient,
            subscription.language,
            _spaced(countries),
            "; ".join(names.country(c) for c in countries),
            _spaced(sorted(m.number for m in subscription.measures.all())),
            _spaced(sorted(i.slug for i in subscription.initiatives.all())),
            subscription.paused,
            subscription.unsubscribed_at,
            subscription.created_at,
            subscription.version,
        ]
    ]


TABLES = {
    table.name: table
    for table in [
        ListTable("countries", ("iso2", "iso3", "name", "region_codes", "regions"), _country),
        ListTable(
            "initiatives",
            (
                "slug", "acronym", "name", "kind", "kind_label", "started_on", "ended_on",
                "marking", "measures", "members",
            ),
            _initiative,
        ),
        ListTable(
            "measures",
            (
                "number", "title", "domain", "domain_label", "scope", "scope_label", "source",
                "locator", "initiatives",
            ),
            _measure,
        ),
        ListTable(
            "sources",
            (
                "key", "title", "author", "publisher", "published_on", "precision", "language",
                "url", "marking",
            ),
            _source,
        ),
        ListTable(
            "cells",
            (
                "cell_id", *PLACE, "scope", "scope_label", "level", "level_label",
                "effective_on", "version",
            ),
            _cell,
        ),
        ListTable(
            "assessments",
            (
                "id", "cell_id", *PLACE, "level", "level_label", "effective_on", "precision",
                "recorded_at", "recorded_by", "rationale", "evidence", "marking", "retracted",
            ),
            _assessment,
        ),
        ListTable(
            "evidence",
            (
                "id", "occurred_on", "precision", "summary", "quote", "locator", "source",
                "direction", "direction_label", "grade", "marking", "cells", "initiatives",
                "retracted",
            ),
            _evidence,
        ),
        ListTable(
            "indicators",
            (
                "indicator", "indicator_name", "measure", "source", "locator", "country",
                "country_name", "observed_on", "precision", "value", "unit", "note",
            ),
            _indicator,
        ),
        ListTable(
            "replies",
            (
                "id", "assessment", "country", "country_name", "text", "evidence", "marking",
                "created_at", "created_by", "retracted",
            ),
            _reply,
        ),
        ListTable(
            "proposals",
            (
                "id", "cell_id", *PLACE, "level", "level_label", "current_level",
                "current_level_label", "effective_on", "precision", "rationale", "evidence",
                "marking", "state", "state_label", "proposed_by", "proposed_at", "decided_by",
                "decided_at", "comment", "version",
            ),
            _proposal,
        ),
        ListTable(
            "subscriptions",
            (
                "id", "email", "language", "countries", "country_names", "measures",
                "initiatives", "paused", "unsubscribed_at", "created_at", "version",
            ),
            _subscription,
        ),
    ]
}  # fmt: skip


# Not a REST list: the evidence table of a data package, whose files are in
# English with French in columns of their own (so not in TABLES).
PACKAGE_EVIDENCE = ListTable(
    "evidence",
    (
        "id", "occurred_on", "precision", "summary_en", "summary_fr", "quote", "locator",
        "source", "source_title", "direction", "direction_label", "grade", "marking",
        "marking_label", "cells", "initiatives",
    ),
    _package_evidence,
)  # fmt: skip


def package_evidence_table(items):
    """``{"columns", "rows"}`` of a data package's ``evidence.csv``: ``items``
    read with ``source``, ``marking``, ``cells__measure`` and the
    ``visible_initiatives`` at hand."""
    return {
        "columns": list(PACKAGE_EVIDENCE.columns),
        "rows": [line for item in items for line in PACKAGE_EVIDENCE.lines(item, None)],
    }


def list_table(name, rows):
    """The CSV payload (``{"columns", "rows"}``, cbm_tracker/api/renderers.py)
    of one page of the list ``name``."""
    table = TABLES[name]
    names = Names()
    return {
        "columns": list(table.columns),
        "rows": [line for row in rows for line in table.lines(row, names)],
    }
