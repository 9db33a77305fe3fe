"""The bulk write path the fixture loaders share: upsert on natural keys, one
audit record per touched row, and the rows loaded so far by their keys."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from countries.models import CountryPair

from ..audit.revisions import advance_version, snapshot
from ..choices import Action
from ..models import Cell, Marking
from .reading import SeedError


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


def each(file, entries, key_field, action):
    """Run ``action`` on each entry of ``file``, turning any failure into one
    clear line; returns {entry key: result}."""
    results = {}
    for index, entry in enumerate(entries):
        label = entry.get(key_field, f"#{index + 1}")
        if isinstance(label, list):
            label = "–".join(map(str, label))
        try:
            results[label] = action(entry)
        except SeedError as exc:
            raise SeedError(f"{file}.yaml, entry {label}: {exc}") from None
        except (ValidationError, KeyError, ValueError, TypeError) as exc:
            raise SeedError(f"{file}.yaml, entry {label}: {_error_text(exc)}") from None
    return results


def _error_text(exc):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc)


def field_value(model, name, value):
    """A fixture value as ``model``'s field ``name`` stores it."""
    return as_value(model._meta.get_field(name), value)


def as_value(model_field, value):
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
    """Writes under one open change; remembers the rows loaded so far by their
    fixture keys, for the files that name them."""

    def __init__(self, current, report):
        self.change = current
        self.report = report
        self.pending = {}  # (model, pk) -> [obj, action, before]
        self.markings = {}
        self.regions = {}  # code -> Region
        self.countries = {}  # iso2 -> Country
        self.sources = {}  # key (as text) -> Source
        self.initiatives = {}  # slug -> Initiative
        self.measures = {}  # number -> Measure
        self.evidence = {}  # key -> Evidence

    # -- generic upsert ---------------------------------------------------

    def upsert(self, model, lookup, fields, m2m=None, on_create=None):
        """The row ``lookup`` names, created or brought up to ``fields``.

        ``on_create``: values set only when the row is created (policies
        admins tune afterwards, which a re-run must not undo).
        """
        m2m = m2m or {}
        obj = (
            model._base_manager.select_for_update(of=("self",))
            .filter(**lookup)
            .order_by("pk")
            .first()
        )
        values = self.column_values(model, fields)
        if obj is None:
            created = {**lookup, **values, **self.column_values(model, on_create or {})}
            return self.create(model, created, m2m)
        changed = {n: v for n, v in values.items() if getattr(obj, n) != v}
        changed_m2m = {
            name: targets
            for name, targets in m2m.items()
            if set(getattr(obj, name).values_list("pk", flat=True)) != {t.pk for t in targets}
        }
        if changed or changed_m2m:
            self.update(obj, changed, changed_m2m)
        return obj

    @staticmethod
    def column_values(model, fields):
        """Fixture values by column: related rows as their primary keys."""
        opts = model._meta
        values = {}
        for name, value in fields.items():
            model_field = opts.get_field(name)
            if model_field.is_relation:
                values[model_field.attname] = getattr(value, "pk", value)
            else:
                values[name] = as_value(model_field, value)
        return values

    def create(self, model, values, m2m):
        obj = model(**values)
        obj.full_clean()
        obj.save()
        for name, targets in m2m.items():
            getattr(obj, name).set(targets)
        self.touch(obj, Action.CREATE, None)
        return obj

    def update(self, obj, changed, changed_m2m):
        self.touch(obj, Action.UPDATE, snapshot(obj))
        for name, value in changed.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        for name, targets in changed_m2m.items():
            getattr(obj, name).set(targets)

    def touch(self, obj, action, before):
        """Note ``obj`` for the audit (once per row) and count it in the report."""
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
            advance_version(obj)

    def finish(self):
        """Write the audit records of every touched row, in bulk."""
        for obj, action, before in self.pending.values():
            self.change.record(
                obj, action, before, snapshot(obj), marking=getattr(obj, "marking", None)
            )
        if self.pending:
            self.report.revision = self.change.revision

    # -- what entries name ------------------------------------------------

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

    def optional_marking(self, entry):
        return self.marking(entry["marking"]) if entry.get("marking") else None

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

    def country(self, code):
        if code is None:
            return None
        try:
            return self.countries[code]
        except KeyError:
            raise SeedError(f"unknown country {code!r}") from None

    def measure(self, number):
        if number not in self.measures:
            raise SeedError(f"unknown measure {number!r}")
        return self.measures[number]

    def cell(self, spec):
        """The cell an entry names by measure, country and partner."""
        measure = self.measure(spec["measure"])
        country, partner = self.country(spec["country"]), self.country(spec.get("partner"))
        if partner is not None:
            first, second = CountryPair.canonical(country.pk, partner.pk)
            country, partner = self.countries[first], self.countries[second]
        cell = Cell.objects.filter(measure=measure, country=country, partner=partner).first()
        if cell is None:
            # Not a cell the tracker keeps: let validation say why.
            Cell(measure=measure, country=country, partner=partner).full_clean()
            raise SeedError(f"no cell for measure {spec['measure']} and {spec}")
        return cell
