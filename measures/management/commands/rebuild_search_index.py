from django.core.management.base import BaseCommand, no_translations
from django.db import transaction

from measures.audit import search_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the searched rows (measures, countries, initiatives, "
        "sources, evidence). Writes keep it in step; this is for repair and restores."
    )

    @no_translations
    def handle(self, *args, **options):
        # One transaction: searches meanwhile see the old index, never half of one.
        with transaction.atomic():
            count = search_index.rebuild()
        self.stdout.write(f"Indexed {count} rows for search.")
