"""The copy of the seed that transactional tests are followed by
(tests/seed_snapshot.py) gives back exactly what the seeder wrote."""

import datetime
import hashlib

import pytest
from django.core.management import call_command
from django.db import connection

from measures.models import Measure
from tests.factories import assess, cell_at, make_user, marking


def contents():
    """A digest of every table's rows, in a stable order."""
    digests = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_seed_back_row_for_row(django_db_setup):
    seeded = contents()
    call_command("flush", verbosity=0, interactive=False)
    assert not Measure.objects.exists()

    django_db_setup.restore()

    assert contents() == seeded
    # Sequences carry on after the restored ids — link tables' too, whose
    # rows ``.set()`` would otherwise drop on an id conflict: new rows are
    # written, and kept.
    admin = make_user(
        "admin_after_restore", role="admin", clearance="confidential", affiliations=["MA"]
    )
    assert list(admin.cbm_profile.affiliated_countries.values_list("pk", flat=True)) == ["MA"]
    new = marking("restricted", "TN", "LY")
    assert sorted(new.releasable_countries.values_list("pk", flat=True)) == ["LY", "TN"]
    assessment = assess(admin, cell_at(11, "DZ"), "agreed", datetime.date(2012, 1, 1))
    assert assessment.pk is not None
