"""Grant the PostgreSQL roles what each may do (docs/security.md, "Database roles").

- The **application** role (web, workers, beat) reads and writes every table,
  but may not UPDATE, DELETE or TRUNCATE audit records or the disclosure
  ledger: both are append-only for the code that serves users, whatever that
  code does.
- The **maintenance** role (``manage.py prune_audit``, through
  CBM_MAINTENANCE_DATABASE_URL) may read and delete audit records, and
  nothing else.

Run it as the role that owns the tables (the one ``migrate`` runs as), after
every ``migrate``: it is idempotent, and new tables need their grants. The
roles themselves are created by the database administrator (or by
``.ci/run``), e.g. ``CREATE ROLE cbm_app LOGIN PASSWORD '...'``; neither may
own the tables (an owner bypasses these grants).
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from measures.models import ChangeRecord, DisclosedRow, DisclosedSet, Disclosure

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Command(BaseCommand):
    help = (
        "PostgreSQL: grant the application role every table except UPDATE/DELETE/TRUNCATE "
        "on audit records, and the maintenance role SELECT/DELETE on audit records only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", default="cbm_app")
        parser.add_argument("--maintenance-role", default="cbm_maintenance")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, app_role, maintenance_role, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("db_roles: PostgreSQL only (SQLite has no roles)")
        for role in (app_role, maintenance_role):
            if not ROLE_NAME.match(role):
                raise CommandError(f"db_roles: not a plain role name: {role!r}")
        quote = connection.ops.quote_name
        app, maintenance = quote(app_role), quote(maintenance_role)
        audit = quote(ChangeRecord._meta.db_table)
        ledger = ", ".join(
            quote(m._meta.db_table) for m in (Disclosure, DisclosedSet, DisclosedRow)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)",
                [app_role, maintenance_role],
            )
            found = {row[0] for row in cursor.fetchall()}
            missing = sorted({app_role, maintenance_role} - found)
            if missing:
                raise CommandError(
                    f"db_roles: create the role(s) {', '.join(missing)} first "
                    "(CREATE ROLE name LOGIN PASSWORD '...', as a database administrator)"
                )
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = %s",
                [ChangeRecord._meta.db_table],
            )
            owner = cursor.fetchone()[0]
            if owner in (app_role, maintenance_role):
                raise CommandError(
                    f"db_roles: {owner} owns the tables, so no grant can restrict it; "
                    "run migrations as another role"
                )
            database_name = quote(connection.settings_dict["NAME"])
            statements = [
                f"GRANT CONNECT ON DATABASE {database_name} TO {app}, {maintenance}",
                f"GRANT USAGE ON SCHEMA public TO {app}, {maintenance}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
                # The audit trail is append-only for the application.
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM {app}",
                # So is the disclosure ledger (no retention job deletes from it).
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {ledger} FROM {app}",
                # Retention: the maintenance role reads and deletes audit records, nothing else.
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {maintenance}",
                f"GRANT SELECT, DELETE ON {audit} TO {maintenance}",
            ]
            with transaction.atomic(using=database):
                for statement in statements:
                    cursor.execute(statement)
        self.stdout.write(
            f"{app_role}: all tables, audit records and disclosure ledger insert/select only; "
            f"{maintenance_role}: audit records select/delete"
        )
