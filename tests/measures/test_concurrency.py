"""Concurrent writers on PostgreSQL: revision order is commit order, no lost update."""

import datetime
import threading

import pytest
from django.db import connection

from measures import services
from measures.audit.revisions import StaleVersion, change, latest_revision
from measures.choices import Action
from measures.models import ChangeRecord
from tests.factories import cell_at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = datetime.date


def in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        except Exception as exc:  # reported to the main thread
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_writer_waits_for_an_earlier_revision_to_commit(users):
    first_has_revision, release_first = threading.Event(), threading.Event()
    target, other = cell_at(17, "MA"), cell_at(17, "DZ")
    results = {}

    def slow_writer():
        with change(users.admin, "slow") as current:
            revision = current.take_revision()
            current.record(target, Action.UPDATE, None, None)
            first_has_revision.set()
            release_first.wait(10)
            return revision

    def fast_writer():
        return services.record_assessment(
            users.editor,
            other,
            level="partial",
            effective_on=D(2010, 4, 21),
            rationale_en="x",
            expected_version=other.version_for(users.editor),
        ).revision

    slow = in_thread(slow_writer, results, "slow")
    assert first_has_revision.wait(10)
    fast = in_thread(fast_writer, results, "fast")
    fast.join(1.0)
    assert fast.is_alive(), "the second writer must queue behind the first one's revision"
    release_first.set()
    slow.join(10)
    fast.join(10)
    assert results["fast"] == results["slow"] + 1
    assert latest_revision() == results["fast"]


def test_two_writers_with_the_same_version_one_wins_one_is_refused(users):
    cell = cell_at(17, "DZ")
    version = cell.version_for(users.editor)
    barrier = threading.Barrier(2)
    results = {}

    def writer(level):
        def write():
            barrier.wait(5)
            return services.record_assessment(
                users.editor,
                cell,
                level=level,
                effective_on=D(2011, 1, 1),
                rationale_en="race",
                expected_version=version,
            )

        return write

    threads = [in_thread(writer(level), results, level) for level in ("partial", "agreed")]
    for thread in threads:
        thread.join(10)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Assessment", "StaleVersion"]
    assert cell.version_for(users.editor) == version + 1
    assert (
        ChangeRecord.objects.filter(
            content_type__model="assessment",
            object_id__in=[str(r.pk) for r in results.values() if not isinstance(r, StaleVersion)],
        ).count()
        == 1
    )
