from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    """Compile locale/*/LC_MESSAGES/*.po to .mo in pure Python (Babel).

    Django's compilemessages needs GNU gettext's msgfmt, which a machine with
    only Python does not have; the set-up commands run this instead.
    """

    help = "Compile the .po translation catalogues to .mo files (no gettext needed)."

    def handle(self, *args, **options):
        catalogues = sorted(
            po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po")
        )
        if not catalogues:
            raise CommandError("compile_translations: no .po files under LOCALE_PATHS")
        for po in catalogues:
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue, use_fuzzy=False)
            self.stdout.write(f"compiled {po.relative_to(settings.BASE_DIR)}")
