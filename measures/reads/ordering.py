"""Sorting and filtering the pages' tables, as plain functions of rows.

Names are compared folded (accents and case dropped), so "Égypte" sorts
among the E's of a French page and "egypte" finds it; the unfolded text
breaks ties so that the order is total and the same on every request.
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A filter longer than this is cut (nothing tracked has a longer name).
MAX_FILTER = 100


def fold(text):
    """``text`` as compared: decomposed, accents (combining marks) dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_key(text):
    """Sort key of a name in the reader's language (None for no name: listed last)."""
    return None if text is None else (fold(text), str(text))


@dataclass(frozen=True)
class Column:
    """A sortable column: ``?sort=<key>`` ascending, ``?sort=-<key>`` descending."""

    key: str
    label: Any  # a lazy translation
    value: Callable  # row -> comparable value, None when missing (always listed last)
    group: Callable | None = None  # row -> rank group, ascending whichever the direction
    descending_first: bool = False  # scores and dates: the first click puts the highest first


@dataclass(frozen=True)
class Order:
    key: str
    descending: bool = False

    @property
    def param(self):
        return f"-{self.key}" if self.descending else self.key


def parse_order(raw, columns, default):
    """The order a ``sort`` parameter asks for; an unknown column gives ``default``."""
    raw = (raw or "").strip()
    descending = raw.startswith("-")
    key = raw.removeprefix("-")
    if key not in {c.key for c in columns}:
        return default
    return Order(key, descending)


def sort_rows(rows, column, descending=False):
    """``rows`` by ``column``: rows without a value last, then rank groups kept
    ascending, each sorted in the direction asked (stable: ties keep the order
    ``rows`` came in)."""
    present = [r for r in rows if column.value(r) is not None]
    missing = [r for r in rows if column.value(r) is None]
    present.sort(key=column.value, reverse=descending)
    if column.group is not None:
        present.sort(key=column.group)
    return present + missing


def clean_filter(raw):
    """The ``q`` parameter as used: stripped, cut to MAX_FILTER characters."""
    return (raw or "").strip()[:MAX_FILTER]


def filter_rows(rows, query, texts):
    """The rows every word of ``query`` is found in (folded) among ``texts(row)``."""
    words = fold(query).split()
    if not words:
        return list(rows)
    kept = []
    for row in rows:
        haystack = " ".join(fold(t) for t in texts(row) if t is not None)
        if all(word in haystack for word in words):
            kept.append(row)
    return kept
