"""Lease-claimed deliveries, shared by the weekly digest and the reminders.

Each (recipient, ISO week) has one row of a ``LeasedDelivery`` model. A chunk
of rows is *claimed* with one conditional UPDATE (pending, or sending with
an expired lease → sending, with a fresh lease and a claim token), so two
workers never claim the same row, on SQLite as on PostgreSQL. Each mail is
marked sent right after the SMTP server accepts it; a worker that dies in
between leaves the row "sending" until its lease expires, and the next run
sends it again — the one duplicate this design allows, and a deterministic
Message-ID lets mail clients fold it.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone

from .models import LeasedDelivery

State = LeasedDelivery.State


@dataclass
class ChunkResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Leases:
    """The lease rules for one delivery model; its limits are the settings
    ``{prefix}_CHUNK_SIZE``, ``{prefix}_LEASE_SECONDS`` and
    ``{prefix}_MAX_ATTEMPTS``, read at each call (tests override them)."""

    model: type
    prefix: str

    def setting(self, name):
        return getattr(settings, f"{self.prefix}_{name}")

    def create(self, period, owner_field, owners):
        """The period's missing rows, one per owner (the unique constraint
        makes a concurrent plan harmless)."""
        existing = self.model.objects.filter(period=period).values(owner_field)
        self.model.objects.bulk_create(
            [
                self.model(**{owner_field: pk, "period": period})
                for pk in owners.exclude(pk__in=existing).values_list("pk", flat=True)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )

    def still_open(self, period):
        """The period's ids still to send; rows out of attempts are marked
        failed here, so they stop coming back."""
        open_rows = self.model.objects.filter(period=period).filter(self._claimable())
        open_rows.filter(attempts__gte=self.setting("MAX_ATTEMPTS")).update(
            state=State.FAILED, claim="", last_error="Too many attempts."
        )
        return list(open_rows.order_by("pk").values_list("pk", flat=True))

    def chunked(self, ids, size=None):
        size = size or self.setting("CHUNK_SIZE")
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    def claim(self, ids):
        """Take the rows nobody holds; returns (token, claimed ids)."""
        token = uuid.uuid4().hex
        now = timezone.now()
        self.model.objects.filter(pk__in=ids, attempts__lt=self.setting("MAX_ATTEMPTS")).filter(
            self._claimable(now)
        ).update(
            state=State.SENDING,
            claim=token,
            lease_expires_at=now + datetime.timedelta(seconds=self.setting("LEASE_SECONDS")),
            attempts=F("attempts") + 1,
        )
        claimed = self.model.objects.filter(claim=token, state=State.SENDING)
        return token, list(claimed.order_by("pk").values_list("pk", flat=True))

    def finish(self, pk, token, state, **fields):
        """Close a delivery we hold; a conditional UPDATE, committed at once."""
        return self.model.objects.filter(pk=pk, claim=token, state=State.SENDING).update(
            state=state, lease_expires_at=None, **fields
        )

    def release(self, ids, token, error):
        """Give back the rows we hold and did not send, for the retry."""
        self.model.objects.filter(pk__in=ids, claim=token, state=State.SENDING).update(
            state=State.PENDING, claim="", lease_expires_at=None, last_error=str(error)[:2000]
        )

    def send(self, token, messages, result):
        """Send a claimed chunk's (delivery, message or None) pairs over one
        SMTP connection, opened at the first mail (a chunk with nothing to
        send costs none). None marks the row skipped. On an SMTP error the
        unsent rows are released and the error propagates (the task retries
        with backoff); ``result`` holds what was done either way."""
        connection = get_connection()
        remaining = {d.pk for d, _ in messages}
        opened = False
        try:
            for delivery, message in messages:
                if message is None:
                    result.skipped += self.finish(delivery.pk, token, State.SKIPPED)
                else:
                    if not opened:
                        connection.open()
                        opened = True
                    connection.send_messages([message])
                    result.sent += self.finish(
                        delivery.pk,
                        token,
                        State.SENT,
                        sent_at=timezone.now(),
                        message_id=message.extra_headers["Message-ID"],
                    )
                remaining.discard(delivery.pk)
        except Exception as exc:
            self.release(remaining, token, exc)
            result.failed = len(remaining)
            raise
        finally:
            connection.close()
        return result

    @staticmethod
    def _claimable(now=None):
        now = now or timezone.now()
        return Q(state=State.PENDING) | Q(state=State.SENDING, lease_expires_at__lt=now)
