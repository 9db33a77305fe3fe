"""Two workers claiming the same reminders at the same moment, on PostgreSQL:
a row is claimed by one of them, never both (the conditional UPDATE of
``digests.leases``, shared with the digest)."""

import threading

import pytest
from django.db import connection

from digests import reminders
from digests.models import ReminderDelivery
from tests.digests.reminder_weeks import PERIOD, due_in, editor, france

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(ids):
    """Two threads, each with its own connection, claim ``ids`` at once."""
    start, results = threading.Barrier(2), {}

    def claimer(name):
        try:
            start.wait(10)
            results[name] = reminders.LEASES.claim(ids)[1]
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results["a"], results["b"]


def test_two_concurrent_claimers_never_take_the_same_row(users):
    """Two connections claim the same rows at the same moment, 20 times over."""
    due_in(users.admin, france()[0], -3)
    for i in range(12):
        editor(f"c{i}")
    ids = reminders.plan(PERIOD)
    for _round in range(20):
        ReminderDelivery.objects.filter(pk__in=ids).update(
            state="pending", claim="", attempts=0, lease_expires_at=None
        )
        first, second = race(ids)
        assert not set(first) & set(second)
        assert sorted(first + second) == sorted(ids)
    attempts = ReminderDelivery.objects.filter(pk__in=ids).values_list("attempts", flat=True)
    assert set(attempts) == {1}
