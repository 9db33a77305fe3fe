"""Per-viewer versions and history (docs/security.md, non-interference):

- a cell stores no version any more (each viewer's version is derived from
  the assessments they may see);
- ``AudienceRevision``: the last revision per marking (and for accounts),
  from which every viewer's ETags derive;
- ``RowMarking``: the current marking of each marked row, which its audit
  records obey.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models

MARKED = ("Evidence", "Assessment", "Source")
MARKED_REFERENCE = ("Initiative", "Membership")
ACCOUNTS = {
    ("auth", "user"),
    ("auth", "group"),
    ("knox", "authtoken"),
    ("measures", "userprofile"),
    ("measures", "subscription"),
    ("measures", "digestdelivery"),
}


def fill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Marking = apps.get_model("measures", "Marking")
    RowMarking = apps.get_model("measures", "RowMarking")
    AudienceRevision = apps.get_model("measures", "AudienceRevision")
    ChangeRecord = apps.get_model("measures", "ChangeRecord")
    public = Marking.objects.filter(key="public").first()
    rows = []
    for app_label, names in (("measures", MARKED), ("countries", MARKED_REFERENCE)):
        for name in names:
            model = apps.get_model(app_label, name)
            content_type, _ = ContentType.objects.get_or_create(
                app_label=app_label, model=name.lower()
            )
            for pk, marking_id in model.objects.values_list("pk", "marking_id"):
                if marking_id is None and public is None:
                    continue
                rows.append(
                    RowMarking(
                        content_type=content_type,
                        object_id=str(pk),
                        marking_id=marking_id or public.pk,
                    )
                )
    RowMarking.objects.bulk_create(rows, batch_size=1000)
    latest = {}
    keys = dict(Marking.objects.values_list("pk", "key"))
    account_types = {
        pk
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
        if (app_label, model) in ACCOUNTS
    }
    records = ChangeRecord.objects.values_list("content_type_id", "marking_id").annotate(
        last=models.Max("revision")
    )
    for content_type_id, marking_id, last in records.order_by():
        if content_type_id in account_types:
            audience = "accounts"
        else:
            audience = keys[marking_id] if marking_id else "public"
        latest[audience] = max(latest.get(audience, 0), last)
    AudienceRevision.objects.bulk_create(
        [AudienceRevision(audience=a, revision=r) for a, r in latest.items()]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("countries", "0003_region_version"),
        ("measures", "0004_public_ids"),
    ]

    operations = [
        *[
            migrations.AlterField(
                model_name=name,
                name="public_id",
                field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
            )
            for name in ("evidence", "assessment", "changerecord")
        ],
        migrations.RemoveField(model_name="status", name="version"),
        migrations.CreateModel(
            name="AudienceRevision",
            fields=[
                ("audience", models.CharField(max_length=300, primary_key=True, serialize=False)),
                ("revision", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="RowMarking",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("object_id", models.CharField(max_length=64)),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "marking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="measures.marking",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content_type", "object_id"), name="rowmarking_unique"
                    )
                ]
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
