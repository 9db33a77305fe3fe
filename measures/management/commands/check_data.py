import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations

from measures import services
from measures.reads import data_checks


class Command(BaseCommand):
    help = (
        "Run every data-quality check and list the offending rows; exit non-zero when a "
        "check at level 'error' fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--check",
            action="append",
            choices=sorted(data_checks.CHECKS),
            help="Run only this check (repeatable).",
        )
        parser.add_argument(
            "--as-user",
            help="Read as this user (their visibility) instead of the system actor, "
            "which sees every row.",
        )
        parser.add_argument(
            "--limit", type=int, default=20, help="Rows listed per check in text (0: all)."
        )

    @no_translations  # the report reads the same whatever language was active
    def handle(self, *args, format="text", check=None, as_user=None, limit=20, **options):
        if as_user:
            try:
                user = get_user_model().objects.get(username=as_user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"check_data: no user {as_user!r}") from None
        else:
            user = services.system_actor()
        results = data_checks.run_checks(user, names=check)
        errors = data_checks.failed_errors(results)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not errors,
                        "errors": sum(r.count for r in errors),
                        "checks": [r.as_dict() for r in results],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            for r in results:
                mark = "ok" if not r.failed else ("FAIL" if r.level == "error" else "warn")
                self.stdout.write(f"[{mark:4}] {r.name} ({r.level}): {r.count} — {r.title}")
                shown = r.rows if not limit else r.rows[:limit]
                for row in shown:
                    detail = f" — {row['detail']}" if row["detail"] else ""
                    self.stdout.write(f"         {row['label']}{detail}")
                if len(shown) < r.count:
                    self.stdout.write(f"         … and {r.count - len(shown)} more")
            self.stdout.write(
                f"{len(errors)} error check(s) failed" if errors else "No error-level check failed."
            )
        if errors:
            raise CommandError(
                "check_data: " + ", ".join(f"{r.name} ({r.count})" for r in errors),
                returncode=1,
            )
