"""Status became Cell (issue 12: one name for the cell, measures 0007): a
database from before the rename keeps its cells, their assessments and
evidence links, and their audit records, whose content type follows the
model; the permissions follow too, so editors still add and change cells
and no stale ``*_status`` permission is left."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from measures.audit.handles import model_for
from measures.choices import Role
from measures.models import Assessment, Cell, ChangeRecord, Evidence
from measures.roles import ensure_roles
from tests.factories import cell_at

BEFORE = [("measures", "0006_digests_move_to_their_app")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def measures_codenames():
    return set(
        Permission.objects.filter(content_type__app_label="measures").values_list(
            "codename", flat=True
        )
    )


def editor_codenames():
    return set(Group.objects.get(name=Role.EDITOR).permissions.values_list("codename", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_rename_keeps_its_cells_history_and_permissions():
    cell = cell_at(6, "MA")
    assessments = set(cell.assessments.values_list("pk", flat=True))
    linked = set(Evidence.objects.filter(cells=cell).values_list("pk", flat=True))
    cell_type = ContentType.objects.get_for_model(Cell)
    records = set(
        ChangeRecord.objects.filter(content_type=cell_type, object_id=str(cell.pk)).values_list(
            "pk", flat=True
        )
    )
    assert assessments and linked and records

    old = migrate(BEFORE)
    # The database as it was: the model, its content type and permissions say "status".
    OldStatus = old.get_model("measures", "Status")
    OldAssessment = old.get_model("measures", "Assessment")
    assert OldStatus.objects.filter(pk=cell.pk).exists()
    assert set(OldAssessment.objects.filter(status_id=cell.pk).values_list("pk", flat=True)) == (
        assessments
    )
    OldContentType = old.get_model("contenttypes", "ContentType")
    assert OldContentType.objects.get(app_label="measures", model="status").pk == cell_type.pk
    assert {"add_status", "change_status"} <= measures_codenames()
    assert not {"add_cell", "change_cell"} & measures_codenames()

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    kept = Cell.objects.get(pk=cell.pk)
    assert (kept.measure.number, kept.country_id, kept.partner_id) == (6, "MA", None)
    assert set(kept.assessments.values_list("pk", flat=True)) == assessments
    assert set(Assessment.objects.filter(cell=kept).values_list("pk", flat=True)) == assessments
    assert set(Evidence.objects.filter(cells=kept).values_list("pk", flat=True)) == linked
    # The audit records resolve to the renamed model: same content type row.
    assert ContentType.objects.get_for_model(Cell).pk == cell_type.pk
    assert not ContentType.objects.filter(app_label="measures", model="status").exists()
    for record in ChangeRecord.objects.filter(pk__in=records):
        assert model_for(record.content_type) is Cell and record.object_id == str(cell.pk)
    # The permissions were renamed, not duplicated; the editors' group grants them.
    codenames = measures_codenames()
    assert {f"{action}_cell" for action in ("add", "change", "delete", "view")} <= codenames
    assert not {c for c in codenames if c.endswith("_status")}
    assert Permission.objects.get(codename="add_cell").name == "Can add cell"
    ensure_roles()
    editors = editor_codenames()
    assert {"add_cell", "change_cell"} <= editors and "delete_cell" not in editors


@pytest.mark.django_db
def test_editors_add_and_change_cells_and_no_status_permission_exists():
    editors = editor_codenames()
    assert {"add_cell", "change_cell", "view_cell"} <= editors
    assert not Permission.objects.filter(codename__endswith="_status").exists()
