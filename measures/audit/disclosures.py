"""The disclosure ledger's one entry point (docs/security.md, "Disclosure ledger").

Each channel that lets marked rows leave the tracker outside an interactive
page (the API, CSV exports, digests, webhooks, data packages) calls
``record_release`` with the rows it released. Rows are model instances with
a ``marking`` (evidence, assessments, sources, replies, audit records...) or
``(model label, handle, marking id)`` triples; public rows are dropped, and a
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
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from cbm_tracker.request_id import request_id_var

from ..choices import MARKING_RANK, MarkingLevel
from ..models import DisclosedRow, DisclosedSet, Disclosure, Marking
from .handles import NATURAL_KEYS, opaque

LEVELS = {}  # marking id -> level; markings are immutable value rows, so never stale
collected_rows = contextvars.ContextVar("cbm_disclosed_rows", default=None)
REPEAT_PREFIX = "cbm:disclosed:"


def enabled():
    return settings.CBM_DISCLOSURE_LEDGER


def level_of(marking_id):
    """The level of a marking (None, for unmarked rows: public)."""
    if marking_id is None:
        return MarkingLevel.PUBLIC
    if marking_id not in LEVELS:
        LEVELS.update(Marking.objects.values_list("pk", "level"))
    return LEVELS[marking_id]


def is_marked(marking_id):
    return level_of(marking_id) != MarkingLevel.PUBLIC


def row_of(obj):
    """``(model label, handle, marking id)`` of a marked model instance."""
    meta = obj._meta
    if hasattr(obj, "public_id"):
        key = str(obj.public_id)
    elif (meta.app_label, meta.model_name) in NATURAL_KEYS:
        key = str(getattr(obj, NATURAL_KEYS[(meta.app_label, meta.model_name)]))
    else:
        key = opaque(type(obj), obj.pk)
    return meta.label_lower, key, obj.marking_id


def handle(value):
    """A public id as the API shows it, from the database's UUID or hex text."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def triples(rows):
    return [r if isinstance(r, tuple) else row_of(r) for r in rows]


def marked(rows):
    """The distinct restricted or confidential rows among ``rows``, sorted."""
    rows = set(triples(rows))
    for marking in {m for _, _, m in rows} - LEVELS.keys():
        level_of(marking)  # fills LEVELS; None (unmarked) stays out: public
    public = MarkingLevel.PUBLIC
    return sorted(t for t in rows if LEVELS.get(t[2], public) != public)


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


def note(rows):
    """Add ``rows`` (instances or triples) to the release being collected, if any."""
    collected = collected_rows.get()
    if collected is not None:
        collected.extend(triples(rows))  # public ones are dropped once, when recorded


def record_release(recipient, channel, rows, *, what="", request_id=None):
    """Record that ``recipient`` received ``rows`` through ``channel``.

    Returns the ``Disclosure``, or None when nothing marked was released (or
    the ledger is off). Its own transaction; raises if it cannot write, and
    the caller then withholds the release (fail closed: docs/security.md).
    """
    rows = marked(rows)
    if not rows or not enabled():
        return None
    text = "\n".join(f"{label}\t{key}\t{marking}" for label, key, marking in rows)
    digest = hashlib.sha256(text.encode()).hexdigest()
    repeat = first_in_window(recipient, channel, digest, what)
    if repeat is None:
        return None
    try:
        return write(recipient, channel, rows, digest, what=what, request_id=request_id)
    except BaseException:
        cache.delete(repeat)  # unrecorded: the next copy must not pass for a repeat
        raise


def first_in_window(recipient, channel, digest, what):
    """The repeat key to give back if the write fails, or None for a repeat.

    The same rows to the same recipient through the same channel and request
    within ``CBM_DISCLOSURE_REPEAT_SECONDS`` are one disclosure: the copy
    they already hold tells them nothing new, and recording every poll of an
    unchanged scorecard would cost more than serving it from the cache.
    """
    seconds = settings.CBM_DISCLOSURE_REPEAT_SECONDS
    what_digest = hashlib.sha256(what.encode()).hexdigest()[:32]
    key = f"{REPEAT_PREFIX}{recipient.pk}:{channel}:{digest}:{what_digest}"
    if not seconds:
        return key
    try:
        return key if cache.add(key, 1, seconds) else None
    except Exception:  # the cache only saves writes: without it, record every copy
        return key


def write(recipient, channel, rows, digest, *, what, request_id):
    level = max((level_of(m) for _, _, m in rows), key=MARKING_RANK.__getitem__)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The commit need not wait for the WAL flush (this transaction
            # only): a crash of the database server itself may lose the last
            # fraction of a second of entries, never corrupt them; every
            # error the application sees still withholds the release.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if not DisclosedSet.objects.filter(digest=digest).exists():
            # Two first releases of one set may race: both inserts are idempotent.
            DisclosedSet.objects.bulk_create(
                [DisclosedSet(digest=digest, size=len(rows))], ignore_conflicts=True
            )
            DisclosedRow.objects.bulk_create(
                [
                    DisclosedRow(set_id=digest, model=label, handle=key, marking_id=marking)
                    for label, key, marking in rows
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
