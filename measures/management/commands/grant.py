from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from measures.choices import MarkingLevel, Role
from measures.services import grant, system_actor


def _codes(value):
    return [c.strip() for c in value.split(",") if c.strip()] if value else []


class Command(BaseCommand):
    help = "Give a user a role, a clearance, an editing scope and affiliations."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument(
            "--clearance",
            default=MarkingLevel.PUBLIC,
            help=f"One of: {', '.join(MarkingLevel.values)} (default public).",
        )
        parser.add_argument(
            "--countries",
            default="",
            help="Scope, ISO codes: DZ,MA (an editor records, a respondent replies for them)",
        )
        parser.add_argument(
            "--affiliations",
            default="",
            help="Countries and organisations the user belongs to: MA,nato,5plus5",
        )
        parser.add_argument("--create", action="store_true", help="Create the user if missing.")
        parser.add_argument("--email", default="", help="E-mail address for a created user.")

    def handle(self, *args, username, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None and not options["create"]:
            raise CommandError(f"grant: no user {username!r} (add --create to create one)")
        try:
            with transaction.atomic():  # a created user is rolled back if the grant fails
                if user is None:
                    user = User(username=username, email=options["email"])
                    user.set_unusable_password()
                    user.full_clean()
                    user.save()
                grant(
                    system_actor(),
                    user,
                    role=options["role"],
                    clearance=options["clearance"],
                    countries=_codes(options["countries"]),
                    affiliations=_codes(options["affiliations"]),
                )
        except ValidationError as exc:
            messages = "; ".join(" ".join(v) for v in exc.message_dict.values())
            raise CommandError(f"grant: {messages}") from None
        self.stdout.write(
            f"{username}: {options['role']}, cleared {options['clearance']}, "
            f"scope {options['countries'] or '-'}, affiliations {options['affiliations'] or '-'}"
        )
