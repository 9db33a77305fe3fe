from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from measures import services

# A token made here without --name is listed under this one.
DEFAULT_NAME = "create_api_token"
OPTIONS = {"days", "name"}


class Command(BaseCommand):
    help = "Create an expiring API token for a user; the token is printed once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=services.default_token_days(),
            help="Lifetime in days (default 90, or CBM_TOKEN_MAX_DAYS if shorter).",
        )
        parser.add_argument(
            "--name",
            default=DEFAULT_NAME,
            help=f"What the token is for, as its owner sees it listed (default {DEFAULT_NAME!r}).",
        )

    def handle(self, *args, username, days, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"create_api_token: no user {username!r}")
        try:
            instance, token = services.issue_token(
                user, days, name=name, actor=services.system_actor()
            )
        except ValidationError as error:
            # A field error names the option it came from: ``--days: ...``.
            problems = [
                f"--{field}: {' '.join(messages)}" if field in OPTIONS else " ".join(messages)
                for field, messages in error.message_dict.items()
            ]
            raise CommandError(f"create_api_token: {'; '.join(problems)}") from error
        self.stdout.write(token)
        self.stderr.write(
            f"Token {name!r} for {username}, expires {instance.expiry:%Y-%m-%d %H:%M} UTC. "
            "It is shown only now: keep it. Send it as 'Authorization: Token <token>'."
        )
