"""Load the seed data in fixtures/ idempotently: the bulk write path.

Rows are matched on their natural keys; a row is created when missing and
updated when a fixture value differs, so a second run writes nothing. The
whole load is one transaction under one revision, and every created or
changed row gets exactly one audit record, written in bulk at the end.
Assessments are append-only: an existing key is never rewritten.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError

from countries.models import Country, CountryPair, Initiative, Membership, Region

from .audit.revisions import change, snapshot
from .choices import Action
from .models import (
    Assessment,
    CarriedMeasure,
    Evidence,
    Indicator,
    Marking,
    Measure,
    Observation,
    Source,
    Status,
)
from .rules import check_effective_on, membership_problems
from .services import create_missing_cells

FILES = (
    "regions", "sources", "countries", "pairs", "measures", "initiatives",
    "evidence", "assessments", "indicators",
)  # fmt: skip


class SeedError(Exception):
    """Bad seed data: the message names the file, the entry and the problem."""


@dataclass
class SeedReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    revision: int | None = None

    def summary(self):
        if self.revision is None:
            return "Seed data already up to date: nothing written."
        parts = [
            f"{name}: {self.created.get(name, 0)} created, {self.updated.get(name, 0)} updated"
            for name in sorted(set(self.created) | set(self.updated))
        ]
        return f"Seeded under revision {self.revision} — " + "; ".join(parts)


def read_fixtures(directory):
    directory = Path(directory)
    if not directory.is_dir():
        raise SeedError(f"{directory}: no such fixtures directory")
    data = {}
    for name in FILES:
        path = directory / f"{name}.yaml"
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SeedError(f"{path}: file missing") from None
        except yaml.YAMLError as exc:
            raise SeedError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise SeedError(f"{path}: expected a list of mappings")
        data[name] = entries
    return data


def _error_text(exc):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc)


def _as_value(model_field, value):
    internal = model_field.get_internal_type()
    if value is None:
        # Text columns are NOT NULL and blank: a missing value is "".
        return None if model_field.null else ""
    if internal == "DecimalField":
        return Decimal(str(value))
    if internal == "DateField" and not isinstance(value, datetime.date):
        return datetime.date.fromisoformat(str(value))
    if internal in ("CharField", "TextField", "SlugField", "URLField"):
        return str(value).strip()
    return value


class Seeder:
    def __init__(self, current, report):
        self.change = current
        self.report = report
        self.pending = {}  # (model, pk) -> [obj, action, before]
        self.markings = {}
        self.sources = {}
        self.countries = {}

    # -- generic upsert ---------------------------------------------------

    def upsert(self, model, lookup, fields, m2m=None):
        m2m = m2m or {}
        obj = (
            model._base_manager.select_for_update(of=("self",))
            .filter(**lookup)
            .order_by("pk")
            .first()
        )
        opts = model._meta
        values = {}
        for name, value in fields.items():
            model_field = opts.get_field(name)
            if model_field.is_relation:
                values[model_field.attname] = getattr(value, "pk", value)
            else:
                values[name] = _as_value(model_field, value)
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            for name, targets in m2m.items():
                getattr(obj, name).set(targets)
            self._touch(obj, Action.CREATE, None)
            return obj
        changed = {n: v for n, v in values.items() if getattr(obj, n) != v}
        changed_m2m = {
            name: targets
            for name, targets in m2m.items()
            if set(getattr(obj, name).values_list("pk", flat=True)) != {t.pk for t in targets}
        }
        if changed or changed_m2m:
            self._touch(obj, Action.UPDATE, snapshot(obj))
            for name, value in changed.items():
                setattr(obj, name, value)
            obj.full_clean()
            obj.save()
            for name, targets in changed_m2m.items():
                getattr(obj, name).set(targets)
        return obj

    def _touch(self, obj, action, before):
        key = (type(obj), obj.pk)
        if key in self.pending:
            # One record per row: keep the first "before", audit the latest state.
            self.pending[key][0] = obj
            return
        self.pending[key] = [obj, action, before]
        counts = self.report.created if action == Action.CREATE else self.report.updated
        name = type(obj)._meta.verbose_name_plural
        counts[str(name)] = counts.get(str(name), 0) + 1
        if action == Action.UPDATE and hasattr(obj, "version"):
            obj.version += 1
            type(obj)._base_manager.filter(pk=obj.pk).update(version=obj.version)

    def finish(self):
        for obj, action, before in self.pending.values():
            self.change.record(
                obj, action, before, snapshot(obj), marking=getattr(obj, "marking", None)
            )
        if self.pending:
            self.report.revision = self.change.revision

    # -- helpers ----------------------------------------------------------

    def marking(self, spec):
        spec = spec or "public"
        if isinstance(spec, str):
            level, codes = spec, ()
        else:
            level, codes = spec["level"], tuple(spec.get("releasable_to") or ())
        key = (level, tuple(sorted(codes)))
        if key not in self.markings:
            self.markings[key] = Marking.objects.resolve(level, codes)
        return self.markings[key]

    def cite(self, entry, marking=None):
        """Citation fields; a row citing a marked source must be marked to cover it."""
        spec = entry.get("cite") or {}
        source = spec.get("source")
        if source is None:
            return {"cite_source": None, "cite_locator": spec.get("locator", "")}
        if str(source) not in self.sources:
            raise SeedError(f"cites unknown source {source!r}")
        source = self.sources[str(source)]
        if not (marking or self.marking("public")).covers(source.marking):
            raise SeedError(
                f"cites source {source.key}, marked {source.marking}: "
                "the row must carry a marking at least that high"
            )
        return {"cite_source": source, "cite_locator": spec.get("locator", "")}

    def optional_marking(self, entry):
        return self.marking(entry["marking"]) if entry.get("marking") else None

    def country(self, code):
        if code is None:
            return None
        try:
            return self.countries[code]
        except KeyError:
            raise SeedError(f"unknown country {code!r}") from None

    def cell(self, measures, spec):
        number = spec["measure"]
        if number not in measures:
            raise SeedError(f"unknown measure {number!r}")
        measure = measures[number]
        country, partner = self.country(spec["country"]), self.country(spec.get("partner"))
        if partner is not None:
            first, second = CountryPair.canonical(country.pk, partner.pk)
            country, partner = self.countries[first], self.countries[second]
        cell = Status.objects.filter(measure=measure, country=country, partner=partner).first()
        if cell is None:
            # Not a cell the tracker keeps: let validation say why.
            Status(measure=measure, country=country, partner=partner).full_clean()
            raise SeedError(f"no cell for measure {number} and {spec}")
        return cell


def _each(data, name, key_field, action):
    """Run ``action`` on each entry, turning any failure into one clear line."""
    results = {}
    for index, entry in enumerate(data[name]):
        label = entry.get(key_field, f"#{index + 1}")
        if isinstance(label, list):
            label = "–".join(map(str, label))
        try:
            results[label] = action(entry)
        except SeedError as exc:
            raise SeedError(f"{name}.yaml, entry {label}: {exc}") from None
        except (ValidationError, KeyError, ValueError, TypeError) as exc:
            raise SeedError(f"{name}.yaml, entry {label}: {_error_text(exc)}") from None
    return results


def seed(directory, actor):
    """Load every fixture file in ``directory``; returns a SeedReport."""
    data = read_fixtures(directory)
    report = SeedReport()
    with change(actor, "Seed data loaded from fixtures") as current:
        seeder = Seeder(current, report)
        _seed_all(seeder, data)
        seeder.finish()
    return report


def _seed_all(s, data):
    regions = _each(
        data,
        "regions",
        "code",
        lambda e: s.upsert(
            Region, {"code": e["code"]}, {"name_en": e["name_en"], "name_fr": e["name_fr"]}
        ),
    )

    def country_fields(e, with_cite):
        fields = {
            "iso3": e["iso3"],
            "name_en": e["name_en"],
            "name_fr": e["name_fr"],
            "name_ar": e.get("name_ar", ""),
        }
        if with_cite:
            fields.update(s.cite(e))
        unknown = set(e.get("regions") or ()) - set(regions)
        if unknown:
            raise SeedError(f"unknown region(s) {', '.join(sorted(unknown))}")
        return fields

    # Countries and initiatives come first without their citations, because
    # the sources' markings name them (releasable to NATO and Morocco); the
    # citations are filled in once the sources exist.
    s.countries = _each(
        data,
        "countries",
        "iso2",
        lambda e: s.upsert(
            Country,
            {"iso2": e["iso2"]},
            country_fields(e, with_cite=False),
            {"regions": [regions[r] for r in e.get("regions") or ()]},
        ),
    )

    def initiative_fields(e):
        return {
            "acronym": e.get("acronym", ""),
            "name_en": e["name_en"],
            "name_fr": e["name_fr"],
            "kind": e["kind"],
            "started_on": e.get("started_on"),
            "start_precision": e.get("start_precision") or "",
            "ended_on": e.get("ended_on"),
            "end_precision": e.get("end_precision") or "",
            "seat": e.get("seat") or "",
            "description_en": e.get("description_en", ""),
            "description_fr": e.get("description_fr", ""),
        }

    initiatives = _each(
        data,
        "initiatives",
        "slug",
        lambda e: s.upsert(Initiative, {"slug": e["slug"]}, initiative_fields(e)),
    )

    s.sources = {
        str(k): v
        for k, v in _each(
            data,
            "sources",
            "key",
            lambda e: s.upsert(
                Source,
                {"key": str(e["key"])},
                {
                    "file_name": e.get("file", ""),
                    "title": e["title"],
                    "author": e.get("author") or "",
                    "publisher": e.get("publisher") or "",
                    "published_on": e.get("published_on"),
                    "published_precision": e.get("published_precision") or "",
                    "language": e["language"],
                    "url": e.get("url") or "",
                    "description": e.get("description", ""),
                    "marking": s.marking(e.get("marking")),
                },
            ),
        ).items()
    }

    _each(
        data,
        "countries",
        "iso2",
        lambda e: s.upsert(Country, {"iso2": e["iso2"]}, country_fields(e, with_cite=True)),
    )
    initiatives = _each(
        data,
        "initiatives",
        "slug",
        lambda e: s.upsert(
            Initiative,
            {"slug": e["slug"]},
            {
                **initiative_fields(e),
                "marking": s.optional_marking(e),
                **s.cite(e, s.optional_marking(e)),
            },
        ),
    )

    def pair(e):
        a, b = e["pair"]
        if [a, b] != sorted([a, b]):
            raise SeedError(f"pair {a}–{b} is not in canonical (alphabetical) order")
        return s.upsert(
            CountryPair,
            {"country": s.country(a), "partner": s.country(b)},
            {"note": e.get("note", ""), **s.cite(e)},
        )

    _each(data, "pairs", "pair", pair)

    def measure(e):
        target = e.get("target") or {}
        return s.upsert(
            Measure,
            {"number": e["number"]},
            {
                "title_en": e["title_en"],
                "title_fr": e["title_fr"],
                "description_en": e.get("description_en", ""),
                "description_fr": e.get("description_fr", ""),
                "domain": e["domain"],
                "scope": e["scope"],
                "baseline_value": target.get("baseline_value"),
                "baseline_on": target.get("baseline_on"),
                "baseline_precision": target.get("baseline_precision") or "",
                "target_value": target.get("target_value"),
                "unit": target.get("unit", ""),
                **s.cite(e),
            },
        )

    measures = _each(data, "measures", "number", measure)

    def initiative_links(e):
        initiative = initiatives[e["slug"]]
        for carried in e.get("measures") or ():
            if carried["number"] not in measures:
                raise SeedError(f"carries unknown measure {carried['number']!r}")
            s.upsert(
                CarriedMeasure,
                {"initiative": initiative, "measure": measures[carried["number"]]},
                {
                    "note": carried.get("note", ""),
                    # visible with its initiative, so cited under its marking
                    **s.cite(carried if "cite" in carried else e, initiative.marking),
                },
            )
        rows = []
        for m in e.get("memberships") or ():
            row = s.upsert(
                Membership,
                {
                    "initiative": initiative,
                    "country": s.country(m["country"]),
                    "role": m["role"],
                    "start": _as_value(Membership._meta.get_field("start"), m.get("start")),
                },
                {
                    "start_precision": m.get("start_precision") or "",
                    "end": m.get("end"),
                    "end_precision": m.get("end_precision") or "",
                    "note": m.get("note") or "",
                    "marking": s.optional_marking(m) or initiative.marking,
                    **s.cite(m if "cite" in m else e, s.optional_marking(m) or initiative.marking),
                },
            )
            rows.append(row)
        # The data-entry rules (measures/rules.py) bind an import as they bind
        # the admin: a start, inside the initiative's dates, no overlap.
        for row in rows:
            problems = membership_problems(row)
            if problems:
                raise SeedError(
                    f"membership {row.country_id} ({row.role}): "
                    + "; ".join(f"{k}: {v}" for k, v in problems.items())
                )

    _each(data, "initiatives", "slug", initiative_links)
    cells = create_missing_cells(s.change)
    if cells:
        s.report.created["statuses (cells)"] = len(cells)

    def evidence(e):
        source = s.sources.get(str(e["source"]))
        if source is None:
            raise SeedError(f"unknown source {e['source']!r}")
        marking = s.marking(e.get("marking"))
        if not marking.covers(source.marking):
            raise SeedError(f"marked {marking} but its source is {source.marking}")
        grade = str(e["reliability"])
        if len(grade) != 2:
            raise SeedError(f"reliability {grade!r} is not an Admiralty code such as B2")
        cells = [s.cell(measures, c) for c in e.get("cells") or ()]
        unknown = [slug for slug in e.get("initiatives") or () if slug not in initiatives]
        if unknown:
            raise SeedError(f"unknown initiative(s) {', '.join(unknown)}")
        for slug in e.get("initiatives") or ():
            if initiatives[slug].marking and not marking.covers(initiatives[slug].marking):
                raise SeedError(f"marked {marking} but linked to {slug}, marked higher")
        return s.upsert(
            Evidence,
            {"key": e["key"]},
            {
                "occurred_on": e["occurred_on"],
                "occurred_precision": e.get("precision", "day"),
                "summary_en": e.get("summary_en", ""),
                "summary_fr": e.get("summary_fr", ""),
                "quote": e.get("quote", ""),
                "locator": e["locator"],
                "source": source,
                "direction": e["direction"],
                "source_reliability": grade[0],
                "information_credibility": grade[1],
                "marking": marking,
                "created_by": s.change.actor,
            },
            {"cells": cells, "initiatives": [initiatives[i] for i in e.get("initiatives") or ()]},
        )

    evidence_by_key = _each(data, "evidence", "key", evidence)

    def assessment(e):
        cell = s.cell(measures, e)
        if Assessment.objects.filter(key=e["key"]).exists():
            return None  # append-only: a recorded assessment is never rewritten
        items = []
        for key in e.get("evidence") or ():
            if key not in evidence_by_key:
                raise SeedError(f"rests on unknown evidence {key!r}")
            items.append(evidence_by_key[key])
        marking = s.marking(e.get("marking"))
        for item in items:
            if not marking.covers(item.marking):
                raise SeedError(
                    f"marked {marking} but rests on evidence {item.key} marked {item.marking}"
                )
            if not item.cells.filter(pk=cell.pk).exists():
                raise SeedError(f"evidence {item.key} does not concern cell {cell}")
        row = Assessment(
            key=e["key"],
            status=cell,
            level=e["level"],
            effective_on=_as_value(Assessment._meta.get_field("effective_on"), e["effective_on"]),
            effective_precision=e.get("precision", "day"),
            rationale_en=e.get("rationale_en", ""),
            rationale_fr=e.get("rationale_fr", ""),
            marking=marking,
            recorded_by=s.change.actor,
            revision=s.change.take_revision(),
        )
        row.full_clean()
        try:
            check_effective_on(row.effective_on)
        except ValidationError as exc:
            raise SeedError("; ".join(exc.messages)) from None
        row.save()
        row.evidence.set(items)
        s._touch(row, Action.CREATE, None)
        s._touch(cell, Action.UPDATE, snapshot(cell))  # a new assessment moves the cell's version
        return row

    _each(data, "assessments", "key", assessment)

    def indicator(e):
        number = e.get("measure")
        if number is not None and number not in measures:
            raise SeedError(f"unknown measure {number!r}")
        row = s.upsert(
            Indicator,
            {"slug": e["slug"]},
            {
                "name_en": e["name_en"],
                "name_fr": e["name_fr"],
                "unit": e["unit"],
                "description_en": e.get("description_en", ""),
                "measure": measures.get(number) if number is not None else None,
                **s.cite(e),
            },
        )
        for o in e.get("observations") or ():
            s.upsert(
                Observation,
                {
                    "indicator": row,
                    "country": s.country(o.get("country")),
                    "observed_on": _as_value(Observation._meta.get_field("observed_on"), o["on"]),
                },
                {
                    "precision": o.get("precision", "year"),
                    "value": o["value"],
                    "note": o.get("note") or "",
                    **s.cite(o if "cite" in o else e),
                },
            )
        return row

    _each(data, "indicators", "slug", indicator)
