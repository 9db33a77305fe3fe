import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from measures.services import grant, system_actor

# One demo account per role, cleared and affiliated so that each sees a
# different slice of the seed data (seed 001 is confidential, releasable to
# NATO and Morocco: only "analyst" and "admin" see it).
DEMO_USERS = [
    {"username": "reader", "role": "reader", "clearance": "public"},
    {
        "username": "analyst",
        "role": "analyst",
        "clearance": "confidential",
        "affiliations": ["nato"],
    },
    {
        "username": "editor",
        "role": "editor",
        "clearance": "restricted",
        "countries": ["DZ", "MA", "MR", "TN"],
        "affiliations": ["5plus5"],
    },
    # Morocco's liaison: replies to the assessments of Morocco (right of reply).
    {
        "username": "respondent",
        "role": "respondent",
        "clearance": "restricted",
        "countries": ["MA"],
        "affiliations": ["MA"],
    },
    {
        "username": "admin",
        "role": "admin",
        "clearance": "confidential",
        "affiliations": ["nato", "MA"],
    },
]


class Command(BaseCommand):
    help = "Create the demo users of the embedded default (never in production)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Give existing demo users new passwords."
        )

    def handle(self, *args, reset=False, **options):
        if not getattr(settings, "CBM_DEMO_USERS", False):
            raise CommandError("demo_users: demo users are disabled in these settings")
        User = get_user_model()
        printed = []
        with transaction.atomic():
            for spec in DEMO_USERS:
                user = User.objects.filter(username=spec["username"]).first()
                if user is not None and not reset:
                    continue
                if user is None:
                    user = User.objects.create(
                        username=spec["username"], email=f"{spec['username']}@example.org"
                    )
                password = secrets.token_urlsafe(9)
                user.set_password(password)
                user.save(update_fields=["password"])
                grant(
                    system_actor(),
                    user,
                    role=spec["role"],
                    clearance=spec["clearance"],
                    countries=spec.get("countries", ()),
                    affiliations=spec.get("affiliations", ()),
                )
                printed.append((spec, password))
        if not printed:
            self.stdout.write(
                "Demo users already exist (run demo_users --reset for new passwords)."
            )
            return
        self.stdout.write("Demo users (shown once; demo_users --reset makes new ones):")
        for spec, password in printed:
            self.stdout.write(
                f"  {spec['username']:<10} {password:<14} {spec['role']}, "
                f"cleared {spec['clearance']}, "
                f"scope {','.join(spec.get('countries', ())) or '-'}, "
                f"affiliations {','.join(spec.get('affiliations', ())) or '-'}"
            )
