import logging

from django.core.management.base import BaseCommand, CommandError

from digests import delivery, periods

log = logging.getLogger("cbm.digests")


class Command(BaseCommand):
    help = "Send the weekly digest for an ISO week (default: the week just ended)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="ISO week, e.g. 2026-W47.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show who would get a digest and what it would hold; send and write nothing.",
        )

    def handle(self, *args, period=None, dry_run=False, **options):
        period = period or periods.last_complete_period()
        try:
            periods.parse_period(period)
        except ValueError as exc:
            raise CommandError(f"send_digests: {exc}") from None
        if dry_run:
            return self.preview(period)
        run, chunks = delivery.start_run(period)
        totals = delivery.ChunkResult()
        for number, chunk in enumerate(chunks, 1):
            try:
                result = delivery.send_chunk(chunk, period, run.pk)
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
        delivery.finish_run(run)
        self.stdout.write(
            f"{period}: {totals.sent} sent, {totals.skipped} skipped, "
            f"{totals.failed} failed, {len(chunks)} chunks"
        )
        if totals.failed:
            raise CommandError(f"send_digests: {totals.failed} deliveries failed; run again")

    def preview(self, period):
        rows = delivery.preview(period)
        for recipient, context in rows:
            if context is None:
                self.stdout.write(f"{recipient}: nothing to say")
                continue
            numbers = context["numbers"]
            self.stdout.write(
                f"{recipient}: {numbers['changes']} level changes "
                f"({numbers['down']} down, {numbers['reconfirmed']} reconfirmed), "
                f"{numbers['evidence']} new evidence, {numbers['overdue']} overdue"
            )
        would = sum(1 for _, c in rows if c is not None)
        self.stdout.write(
            f"{period} (dry run): {would} would be sent, "
            f"{len(rows) - would} skipped; nothing sent or written"
        )
