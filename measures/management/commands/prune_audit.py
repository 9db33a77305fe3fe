import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from measures.models import ChangeRecord


class Command(BaseCommand):
    help = (
        "Delete audit records older than a retention period. Runs under the maintenance "
        "database role (CBM_MAINTENANCE_DATABASE_URL): the application's role may not "
        "delete audit rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, older_than_days, dry_run=False, **options):
        if older_than_days < 30:
            raise CommandError("prune_audit: keep at least 30 days of audit records")
        alias = "maintenance" if "maintenance" in settings.DATABASES else "default"
        cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
        old = ChangeRecord.objects.using(alias).filter(time__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"{old.count()} audit records older than {cutoff:%Y-%m-%d} would be deleted"
            )
            return
        deleted, _ = old.delete()
        self.stdout.write(
            f"deleted {deleted} audit records older than {cutoff:%Y-%m-%d} (database {alias})"
        )
