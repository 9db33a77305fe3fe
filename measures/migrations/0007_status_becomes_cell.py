"""The model Status is now Cell and an assessment's ``status`` its ``cell``
(issue 12: one name for the cell). Rows are kept: Django renames the table,
the foreign key column and the evidence-to-cells through column. The
content type follows the model (audit records keep resolving) and so do its
permissions (``add_status`` becomes ``add_cell``...), so no stale
``*_status`` permission lingers beside the new ones."""

from django.db import migrations, models
from django.db.models import F, Q

ACTIONS = ("add", "change", "delete", "view")


def rename_type_and_permissions(old, new, new_verbose):
    def run(apps, schema_editor):
        db = schema_editor.connection.alias
        ContentType = apps.get_model("contenttypes", "ContentType")
        Permission = apps.get_model("auth", "Permission")
        # ``migrate`` renames the content type itself (contenttypes'
        # RenameContentType); a MigrationExecutor run alone does not.
        types = ContentType.objects.using(db)
        if not types.filter(app_label="measures", model=new).exists():
            types.filter(app_label="measures", model=old).update(model=new)
        for action in ACTIONS:
            Permission.objects.using(db).filter(
                content_type__app_label="measures", codename=f"{action}_{old}"
            ).update(codename=f"{action}_{new}", name=f"Can {action} {new_verbose}")

    return run


NAMES = [
    ("status_unique_national_cell", "cell_unique_national_cell"),
    ("status_unique_pair_cell", "cell_unique_pair_cell"),
    ("status_pair_canonical_order", "cell_pair_canonical_order"),
    ("status_partner_iff_bilateral", "cell_partner_iff_bilateral"),
]


def constraint(name):
    prefix = name.split("_", 1)[1]
    return {
        "unique_national_cell": models.UniqueConstraint(
            condition=Q(partner__isnull=True), fields=("measure", "country"), name=name
        ),
        "unique_pair_cell": models.UniqueConstraint(
            condition=Q(partner__isnull=False),
            fields=("measure", "country", "partner"),
            name=name,
        ),
        "pair_canonical_order": models.CheckConstraint(
            condition=Q(partner__isnull=True) | Q(country__lt=F("partner")), name=name
        ),
        "partner_iff_bilateral": models.CheckConstraint(
            condition=Q(scope="bilateral", partner__isnull=False)
            | (Q(scope__in=["national", "regional"]) & Q(partner__isnull=True)),
            name=name,
        ),
    }[prefix]


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("countries", "0003_region_version"),
        ("measures", "0006_digests_move_to_their_app"),
    ]

    operations = [
        *[migrations.RemoveConstraint(model_name="status", name=old) for old, _ in NAMES],
        migrations.RenameModel(old_name="Status", new_name="Cell"),
        migrations.AlterModelOptions(
            name="cell",
            options={
                "ordering": ["measure__number", "country", "partner"],
                "verbose_name": "cell",
                "verbose_name_plural": "cells",
            },
        ),
        *[
            migrations.AddConstraint(model_name="cell", constraint=constraint(new))
            for _, new in NAMES
        ],
        # The index names its fields: dropped and built again on the renamed column.
        migrations.RemoveIndex(model_name="assessment", name="assessment_latest_idx"),
        migrations.RenameField(model_name="assessment", old_name="status", new_name="cell"),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(
                fields=["cell", "effective_on", "recorded_at", "id"], name="assessment_latest_idx"
            ),
        ),
        migrations.AlterModelOptions(
            name="assessment",
            options={"ordering": ["cell", "effective_on", "recorded_at", "id"]},
        ),
        migrations.RunPython(
            rename_type_and_permissions("status", "cell", "cell"),
            rename_type_and_permissions("cell", "status", "status (cell)"),
        ),
    ]
