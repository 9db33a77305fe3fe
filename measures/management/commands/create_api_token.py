from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from measures import services


class Command(BaseCommand):
    help = "Create an expiring API token for a user; the token is printed once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=90, help="Lifetime in days (default 90).")

    def handle(self, *args, username, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"create_api_token: no user {username!r}")
        try:
            instance, token = services.issue_token(user, days, actor=services.system_actor())
        except ValidationError as error:
            # A field error names the option it came from: ``--days: ...``.
            problems = [
                f"--{field}: {' '.join(messages)}" if field == "days" else " ".join(messages)
                for field, messages in error.message_dict.items()
            ]
            raise CommandError(f"create_api_token: {'; '.join(problems)}") from error
        self.stdout.write(token)
        self.stderr.write(
            f"Token for {username}, expires {instance.expiry:%Y-%m-%d %H:%M} UTC. "
            "It is shown only now: keep it. Send it as 'Authorization: Token <token>'."
        )
