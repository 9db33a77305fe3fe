import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Create an expiring API token for a user; the token is printed once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=90, help="Lifetime in days (default 90).")

    def handle(self, *args, username, days, **options):
        if not 1 <= days <= 3650:
            raise CommandError("create_api_token: --days must be between 1 and 3650")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"create_api_token: no user {username!r}")
        if not user.is_active:
            raise CommandError(f"create_api_token: user {username!r} is deactivated")
        instance, token = AuthToken.objects.create(user, expiry=datetime.timedelta(days=days))
        self.stdout.write(token)
        self.stderr.write(
            f"Token for {username}, expires {instance.expiry:%Y-%m-%d %H:%M} UTC. "
            "It is shown only now: keep it. Send it as 'Authorization: Token <token>'."
        )
