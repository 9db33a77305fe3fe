import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from measures.choices import MarkingLevel, Role
from measures.services import grant, password_link, set_password, system_actor


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
        login = parser.add_mutually_exclusive_group()
        login.add_argument(
            "--password",
            action="store_true",
            help="Set the user's password: asked twice on a terminal, else read from stdin.",
        )
        login.add_argument(
            "--password-link",
            action="store_true",
            help="Print a one-time link where the user chooses their own password.",
        )

    def handle(self, *args, username, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None and not options["create"]:
            raise CommandError(f"grant: no user {username!r} (add --create to create one)")
        # Asked before the transaction opens: nobody holds locks while typing.
        password = self._read_password() if options["password"] else None
        try:
            with transaction.atomic():  # a created user is rolled back if the grant fails
                if user is None:
                    user = User(username=username, email=options["email"])
                    user.set_unusable_password()
                    user.full_clean()
                    user.save()
                if password is not None:
                    set_password(user, password)
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
        if options["password_link"]:
            self.stdout.write(f"Password link (good once): {password_link(user)}")
        elif not user.has_usable_password():
            self.stdout.write(
                f"{username} has no password yet: run grant again with --password or "
                "--password-link, or let them use an API token (create_api_token)."
            )

    def _read_password(self):
        if not sys.stdin.isatty():
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("grant: the two passwords differ")
        return first
