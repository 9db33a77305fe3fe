from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from measures.seeding import SeedError, seed
from measures.services import system_actor


class Command(BaseCommand):
    help = "Load the seed data (measures, countries, initiatives, sources, evidence) idempotently."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures",
            default=str(settings.CBM_FIXTURES_DIR),
            help="Directory of fixture YAML files (default: CBM_FIXTURES_DIR, i.e. fixtures/).",
        )

    def handle(self, *args, **options):
        try:
            report = seed(options["fixtures"], system_actor())
        except SeedError as exc:
            raise CommandError(f"seed: {exc}") from None
        self.stdout.write(report.summary())
