"""The seeded database, kept as raw table contents and put back in a blink.

A transactional test (a live server, a worker process) ends with Django
flushing every table, and the next test needs the seed again. Running the
seeder takes seconds (more on a loaded machine), paid after every such test;
copying the rows back takes a small fraction of that. The copy is of the
database as the seeder left it, so a test sees exactly the same rows, ids
and revision counter as after ``manage.py seed`` — and the search index too
(SQLite's FTS5 table follows its content table through triggers; PostgreSQL's
vectors are a column).
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction


class SeedSnapshot:
    def __init__(self):
        self.tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        # Every model whose sequence the restore must move past the copied
        # ids — many-to-many link tables included, which introspection's
        # ``installed_models`` leaves out: after a flush that restarts the
        # sequences, a link row would get a copied row's id, and ``.set()``
        # (ON CONFLICT DO NOTHING) would drop it without a word.
        self.models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in self.tables and not model._meta.proxy
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                self.rows = {table: _copy_out(cursor, table) for table in self.tables}
            else:
                self.rows = {table: _select(cursor, table) for table in self.tables}

    def restore(self):
        """Every table back to its seeded contents, in one transaction.

        Foreign keys are checked at commit on both databases (Django creates
        them DEFERRABLE INITIALLY DEFERRED), so the order of tables is free.
        """
        quoted = {table: connection.ops.quote_name(table) for table in self.tables}
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(quoted.values())}")
                for table, data in self.rows.items():
                    if data:
                        with cursor.cursor.copy(f"COPY {quoted[table]} FROM STDIN") as copy:
                            copy.write(data)
                for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                    cursor.execute(sql)
            else:
                for name in quoted.values():
                    cursor.execute(f"DELETE FROM {name}")
                for table, (columns, rows) in self.rows.items():
                    if rows:
                        marks = ", ".join(["%s"] * len(columns))
                        cursor.executemany(
                            f"INSERT INTO {quoted[table]} ({', '.join(columns)}) VALUES ({marks})",
                            rows,
                        )
        # The flush re-created content types under other ids; the rows are back
        # under their seeded ids, which the cache must not contradict.
        ContentType.objects.clear_cache()


def _copy_out(cursor, table):
    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
        return b"".join(bytes(block) for block in copy)


def _select(cursor, table):
    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
    columns = [connection.ops.quote_name(column[0]) for column in cursor.description]
    return columns, cursor.fetchall()
