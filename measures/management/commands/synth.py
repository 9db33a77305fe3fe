import sys
import time

from django.core.management.base import BaseCommand, CommandError

from measures.seeding.synth import synthesise
from measures.services import system_actor


class Command(BaseCommand):
    help = "Add deterministic synthetic data for benchmarks (never on a production database)."

    def add_arguments(self, parser):
        parser.add_argument("--countries", type=int, default=200)
        parser.add_argument("--measures", type=int, default=200)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--evidence", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        for name in ("countries", "measures", "years"):
            if options[name] < 1:
                raise CommandError(f"synth: --{name} must be at least 1")
        if options["evidence"] < 0:
            raise CommandError("synth: --evidence cannot be negative")
        if options["countries"] > 676:
            raise CommandError("synth: at most 676 countries (two-letter codes)")
        started = time.monotonic()

        def progress(stage, done, total):
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(
                f"\r{stage:<15} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
            )
            if done >= total:
                sys.stderr.write("\n")

        revision = synthesise(
            system_actor(),
            progress=progress,
            **{k: options[k] for k in ("countries", "measures", "years", "evidence", "seed")},
        )
        self.stdout.write(
            f"Synthetic data written under revision {revision} in "
            f"{time.monotonic() - started:.0f} s"
        )
