"""The disclosure ledger as its readers (administrators) get it: one line per
released row, named by handle and marking label only — no content."""

from ..models import DisclosedRow

COLUMNS = [
    "disclosure",
    "time",
    "recipient",
    "channel",
    "what",
    "request_id",
    "level",
    "model",
    "handle",
    "marking",
]


def ledger_lines(disclosures):
    """``(disclosure, row)`` lines of ``disclosures`` (a queryset), oldest
    first: two queries, whatever their number."""
    entries = list(disclosures.order_by("time", "id"))
    rows = {}
    for row in (
        DisclosedRow.objects.filter(set__in={d.rows_id for d in entries})
        .select_related("marking")
        .order_by("model", "handle")
    ):
        rows.setdefault(row.set_id, []).append(row)
    return [
        [
            str(d.public_id),
            d.time,
            d.recipient_username,
            d.channel,
            d.what,
            d.request_id,
            d.level,
            row.model,
            row.handle,
            str(row.marking),
        ]
        for d in entries
        for row in rows.get(d.rows_id, [])
    ]
