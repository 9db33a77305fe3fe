"""The digest models moved from the measures app to their own (issue 12):
an existing database keeps its rows, and the audit trail's content types
follow the models, so history of subscriptions still resolves."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from digests.models import Subscription

BEFORE = [("measures", "0005_per_viewer_history"), ("digests", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_subscriptions_and_their_history():
    old = migrate(BEFORE)
    OldContentType = old.get_model("contenttypes", "ContentType")
    old_type = OldContentType.objects.get_or_create(app_label="measures", model="subscription")[0]
    old.get_model("measures", "Subscription").objects.create(email="kept@example.org")

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate(latest)
    ContentType.objects.clear_cache()

    assert Subscription.objects.get().email == "kept@example.org"
    assert ContentType.objects.get_for_model(Subscription).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="measures", model="subscription").exists()
