# Written by hand, as 0013 was: knox's AuthToken is swappable through a
# setting (KNOX_TOKEN_MODEL) this project leaves unset, which makemigrations
# cannot resolve. Tokens made before this migration have no parent. The
# proxy ``Token`` is how the admin lists and revokes tokens.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("knox", "0009_extend_authtoken_field"),
        ("measures", "0014_changerecord_moved_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="Token",
            fields=[],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("knox.authtoken",),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="minted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="minted",
                to="knox.authtoken",
            ),
        ),
    ]
