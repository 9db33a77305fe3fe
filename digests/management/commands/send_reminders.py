from django.core.management.base import BaseCommand, CommandError

from digests import periods, reminders
from digests.leases import ChunkResult


class Command(BaseCommand):
    help = "Send the editors' and admins' \"due this week\" reminders (default: this ISO week)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="ISO week, e.g. 2026-W48.")

    def handle(self, *args, period=None, **options):
        period = period or periods.current_period()
        try:
            periods.parse_period(period)
        except ValueError as exc:
            raise CommandError(f"send_reminders: {exc}") from None
        chunks = reminders.start(period)
        totals = ChunkResult()
        for number, chunk in enumerate(chunks, 1):
            try:
                result = reminders.send_chunk(chunk, period)
            except Exception as exc:  # the rows were released; a later run retries them
                self.stderr.write(f"chunk {number}/{len(chunks)} failed: {exc}")
                totals.failed += len(chunk)
                continue
            totals.sent += result.sent
            totals.skipped += result.skipped
            self.stdout.write(
                f"chunk {number}/{len(chunks)}: {result.sent} sent, "
                f"{result.skipped} with nothing to say"
            )
        self.stdout.write(
            f"{period}: {totals.sent} sent, {totals.skipped} skipped, "
            f"{totals.failed} failed, {len(chunks)} chunks"
        )
        if totals.failed:
            raise CommandError(f"send_reminders: {totals.failed} reminders failed; run again")
