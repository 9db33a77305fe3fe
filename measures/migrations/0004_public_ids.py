"""Opaque public ids for evidence, assessments and audit records (the
sequential ids stay internal: they count rows a viewer may not see)."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    for name in ("Evidence", "Assessment", "ChangeRecord"):
        model = apps.get_model("measures", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.public_id = uuid.uuid4()
        model.objects.bulk_update(rows, ["public_id"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_userprofile_access")]

    operations = [
        migrations.AddField(
            model_name=name,
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        )
        for name in ("evidence", "assessment", "changerecord")
    ] + [migrations.RunPython(fill_public_ids, migrations.RunPython.noop)]
