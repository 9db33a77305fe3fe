from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from measures import services
from measures.services.imports import ImportRefused
from measures.services.refusals import REFUSALS, refusal_of


class Command(BaseCommand):
    help = (
        "Preview a filled spreadsheet (XLSX or CSV, as /cells/export/ writes it) as a user, "
        "one line per row; with --apply, record it in one transaction. Exits non-zero, "
        "recording nothing, when the file or any row is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The filled sheet (.xlsx or .csv).")
        parser.add_argument("--as", dest="as_user", required=True, help="Import as this user.")
        parser.add_argument("--apply", action="store_true", help="Record the rows.")

    def handle(self, *args, file, as_user, apply=False, **options):
        try:
            user = get_user_model().objects.get(username=as_user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"import_cells: no user {as_user!r}") from None
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"import_cells: cannot read {file}: {exc.strerror}") from None
        try:
            if apply:
                applied = services.apply_import(user, data)
                preview = applied.preview
            else:
                preview = services.preview_import(user, data)
        except ImportRefused as exc:
            self.report(exc.preview)
            raise CommandError("import_cells: " + " ".join(refusal_of(exc).messages)) from None
        except REFUSALS as exc:
            raise CommandError("import_cells: " + " ".join(refusal_of(exc).messages)) from None
        self.report(preview)
        if not preview.ok:
            raise CommandError(f"import_cells: {len(preview.errors)} rows have errors.")
        if apply:
            self.stdout.write(
                f"recorded {applied.recorded}, sent for review {applied.sent_for_review}"
            )

    def report(self, preview):
        for row in preview.rows:
            cell = f"{row.cell.measure.number} · {row.cell.cell_label}" if row.cell else "-"
            line = f"row {row.line}: {cell}: {row.outcome}"
            if row.errors:
                line += " — " + "; ".join(f"{c}: {m}" for c, m in row.errors)
                self.stderr.write(line)
            else:
                self.stdout.write(line)
