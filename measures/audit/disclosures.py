"""The disclosure ledger's one entry point (docs/security.md, "Disclosure ledger").

Each channel that lets marked rows leave the tracker outside an interactive
page (the API, CSV exports, digests, webhooks, data packages) calls
``record_release`` with the rows it released. Rows are model instances with
a ``marking`` (evidence, assessments, sources, replies, audit records...) or
``(model label, handle, marking id, marking level)`` tuples; public rows are dropped, and a
release with nothing restricted or confidential writes nothing.

Code that computes a response without knowing whether it will leave the
tracker ``note``\\s the rows it used; the channel ``collecting()`` them
decides whether they are released (an HTML page is not; its CSV download is).
Outside ``collecting()`` noting costs nothing.

A ledger write takes no revision and touches no audience: recording that
someone read something moves nothing any viewer observes.
"""

import contextvars
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction

from cbm_tracker.request_id import request_id_var

from ..choices import MARKING_RANK, MarkingLevel
from ..models import DisclosedRow, DisclosedSet, Disclosure, Marking
from .handles import NATURAL_KEYS, opaque

collected_rows = contextvars.ContextVar("cbm_disclosed_rows", default=None)
# Releases recorded lately by this process: repeat key -> until when (monotonic).
RECENT = OrderedDict()
RECENT_MAX = 10_000
RECENT_LOCK = threading.Lock()
PUBLIC = MarkingLevel.PUBLIC


def enabled():
    return settings.CBM_DISCLOSURE_LEDGER


def levels(marking_ids):
    """``{marking id: level}`` for the given ids (one query)."""
    return dict(Marking.objects.filter(pk__in=marking_ids).values_list("pk", "level"))


def row_of(obj, marking=None):
    """``(model label, handle, marking id, level)`` of a model instance with a
    marking (``marking``: when the caller holds it already; else the row's)."""
    meta = obj._meta
    if hasattr(obj, "public_id"):
        key = str(obj.public_id)
    elif (meta.app_label, meta.model_name) in NATURAL_KEYS:
        key = str(getattr(obj, NATURAL_KEYS[(meta.app_label, meta.model_name)]))
    else:
        key = opaque(type(obj), obj.pk)
    if marking is None and obj.marking_id is not None:
        marking = obj.marking
    return meta.label_lower, key, obj.marking_id, marking.level if marking else PUBLIC


def level_row(cell):
    """The assessment that sets a cell's level, as a row (a cell read
    ``with_level(..., released=True)``), or None for a cell with none."""
    if cell.level_public_id is None:
        return None
    label = "measures.assessment"
    level = cell.level_marking or PUBLIC
    return label, handle(cell.level_public_id), cell.level_marking_id, level


def handle(value):
    """A public id as the API shows it, from the database's UUID or hex text."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


class Release(tuple):
    """Marked rows, distinct and sorted, with their ``digest``: computed once
    for a representation kept in the rendered cache, not on every copy."""


def triples(rows):
    return [r if isinstance(r, tuple) else row_of(r) for r in rows]


def marked(rows):
    """The distinct restricted or confidential rows among ``rows``, sorted."""
    return sorted({t for t in triples(rows) if t[3] != PUBLIC})


def release(rows):
    """``rows`` as a ``Release``: a collected one as it is (nothing else
    collected with it), else the marked ones among them, digested."""
    if len(rows) == 1 and isinstance(rows[0], Release):
        return rows[0]
    loose = [r for r in rows if not isinstance(r, Release)]
    loose += [t for r in rows if isinstance(r, Release) for t in r]
    result = Release(marked(loose))
    text = "\n".join(f"{label}\t{key}\t{marking}" for label, key, marking, _ in result)
    result.digest = hashlib.sha256(text.encode()).hexdigest()
    return result


@contextmanager
def collecting():
    """Collect what ``note`` is given while the block runs: a list of triples."""
    rows = []
    token = collected_rows.set(rows)
    try:
        yield rows
    finally:
        collected_rows.reset(token)


def is_collecting():
    return collected_rows.get() is not None


@contextmanager
def noting():
    """What ``note`` is given while the block runs, as a list of its own (and
    passed on to the release being collected): so that a page can tell which
    of the rows its reads noted one of its tables shows. Empty, and free,
    when no release is being collected (an HTML page)."""
    outer = collected_rows.get()
    if outer is None:
        yield []
        return
    with collecting() as rows:
        yield rows
    outer.extend(rows)


def release_only(rows):
    """Make ``rows`` the whole release being collected, if any: whatever the
    reads noted while the response was computed is dropped (a page's CSV
    download releases the one table it holds, not the rest of the page)."""
    collected = collected_rows.get()
    if collected is not None:
        collected[:] = triples(rows)


def note(rows):
    """Add ``rows`` (instances, tuples or a ``Release``) to the release being
    collected, if any."""
    collected = collected_rows.get()
    if collected is None:
        return
    if isinstance(rows, Release):
        collected.append(rows)
    else:
        collected.extend(triples(rows))  # public ones are dropped once, when recorded


def record_release(recipient, channel, rows, *, what="", request_id=None):
    """Record that ``recipient`` received ``rows`` through ``channel``.

    Returns the ``Disclosure``, or None when nothing marked was released (or
    the ledger is off). Its own transaction; raises if it cannot write, and
    the caller then withholds the release (fail closed: docs/security.md).
    """
    if not enabled():
        return None
    rows = release(list(rows))
    if not rows:
        return None
    digest = rows.digest
    repeat = first_in_window(recipient, channel, digest, what)
    if repeat is None:
        return None
    try:
        return write(recipient, channel, rows, digest, what=what, request_id=request_id)
    except BaseException:
        forget(repeat)  # unrecorded: the next copy must not pass for a repeat
        raise


def first_in_window(recipient, channel, digest, what):
    """The repeat key to forget if the write fails, or None for a repeat.

    The same rows to the same recipient through the same channel and request
    within ``CBM_DISCLOSURE_REPEAT_SECONDS`` are one disclosure: the copy
    they already hold tells them nothing new, and recording every poll of an
    unchanged scorecard would cost more than serving it from the cache.
    Remembered in this process only (no round trip): another worker, or a
    restart, records the same copy once more — over, never under.
    """
    key = (recipient.pk, channel, digest, what)
    seconds = settings.CBM_DISCLOSURE_REPEAT_SECONDS
    if not seconds:
        return key
    now = time.monotonic()
    with RECENT_LOCK:
        if RECENT.get(key, 0) > now:
            return None
        RECENT[key] = now + seconds
        RECENT.move_to_end(key)
        while len(RECENT) > RECENT_MAX:
            RECENT.popitem(last=False)
    return key


def forget(key):
    with RECENT_LOCK:
        RECENT.pop(key, None)


def write(recipient, channel, rows, digest, *, what, request_id):
    level = max((row[3] for row in rows), key=MARKING_RANK.__getitem__)
    # A durable commit, as for any write: an entry lost to a crash after its
    # release went out would be a release nobody can account for (the
    # repeat window, not a faster commit, is what keeps the ledger cheap).
    with transaction.atomic():
        if not DisclosedSet.objects.filter(digest=digest).exists():
            # Two first releases of one set may race: both inserts are idempotent.
            DisclosedSet.objects.bulk_create(
                [DisclosedSet(digest=digest, size=len(rows))], ignore_conflicts=True
            )
            DisclosedRow.objects.bulk_create(
                [
                    DisclosedRow(set_id=digest, model=label, handle=key, marking_id=marking)
                    for label, key, marking, _ in rows
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
        return Disclosure.objects.create(
            recipient=recipient,
            recipient_username=recipient.get_username(),
            channel=channel,
            request_id=request_id_var.get() if request_id is None else request_id,
            what=what[:500],
            level=level,
            rows_id=digest,
        )
