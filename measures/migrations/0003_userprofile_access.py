from django.db import migrations, models

from measures.choices import MARKING_RANK


def fill_access(apps, schema_editor):
    """Existing profiles get the snapshot services.grant now writes (same shape
    as measures.visibility.access_snapshot, which needs the real models)."""
    UserProfile = apps.get_model("measures", "UserProfile")
    for profile in UserProfile.objects.select_related("user"):
        initiatives = sorted(profile.affiliated_initiatives.values_list("pk", "slug"))
        profile.access = {
            "clearance_rank": MARKING_RANK[profile.clearance],
            "countries": sorted(profile.affiliated_countries.values_list("pk", flat=True)),
            "initiatives": [pk for pk, _slug in initiatives],
            "initiative_slugs": [slug for _pk, slug in initiatives],
            "roles": sorted(profile.user.groups.values_list("name", flat=True)),
            "scope": sorted(profile.scope_countries.values_list("pk", flat=True)),
        }
        profile.save(update_fields=["access"])


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_subscriptions_and_digests"),
    ]

    operations = [
        migrations.AddField(
            model_name="userprofile",
            name="access",
            field=models.JSONField(default=dict, editable=False),
        ),
        migrations.RunPython(fill_access, migrations.RunPython.noop),
    ]
