"""The digest models move here from the measures app (issue 12).

Only Django's state moves: the tables keep their names (``db_table``), no
row is copied. Content types are relabelled so that permissions and the
audit trail's records of subscriptions and deliveries still resolve
(``ChangeRecord.content_type``, ``RowMarking.content_type``).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ("subscription", "digestrun", "digestdelivery")


def relabel(app_from, app_to):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=app_from, model__in=MOVED).update(app_label=app_to)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('countries', '0003_region_version'),
        ('measures', '0005_per_viewer_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DigestRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(help_text='ISO week, e.g. 2026-W47.', max_length=8)),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('chunks_total', models.PositiveIntegerField(default=0)),
                        ('chunks_done', models.PositiveIntegerField(default=0)),
                        ('sent', models.PositiveIntegerField(default=0)),
                        ('skipped', models.PositiveIntegerField(default=0)),
                        ('failed', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'measures_digestrun',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Subscription',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('email', models.EmailField(blank=True, help_text='Only for subscribers without an account.', max_length=254)),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('language', models.CharField(choices=[('en', 'English'), ('fr', 'Français')], default='en', max_length=2)),
                        ('paused', models.BooleanField(default=False)),
                        ('unsubscribed_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('countries', models.ManyToManyField(blank=True, related_name='+', to='countries.country')),
                        ('initiatives', models.ManyToManyField(blank=True, related_name='+', to='countries.initiative')),
                        ('measures', models.ManyToManyField(blank=True, related_name='+', to='measures.measure')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='subscriptions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'measures_subscription',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='DigestDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(max_length=8)),
                        ('state', models.CharField(choices=[('pending', 'pending'), ('sending', 'sending'), ('sent', 'sent'), ('skipped', 'nothing to say'), ('failed', 'failed')], default='pending', max_length=8)),
                        ('claim', models.CharField(blank=True, max_length=32)),
                        ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('message_id', models.CharField(blank=True, max_length=200)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='digests.subscription')),
                    ],
                    options={
                        'db_table': 'measures_digestdelivery',
                        'ordering': ['period', 'subscription'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='subscription',
                    constraint=models.UniqueConstraint(condition=models.Q(('unsubscribed_at__isnull', True), ('user__isnull', False)), fields=('user',), name='subscription_one_active_per_user'),
                ),
                migrations.AddConstraint(
                    model_name='subscription',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('user__isnull', False), ('email', '')), models.Q(('user__isnull', True), models.Q(('email', ''), _negated=True)), _connector='OR'), name='subscription_user_xor_email'),
                ),
                migrations.AddIndex(
                    model_name='digestdelivery',
                    index=models.Index(fields=['period', 'state'], name='digestdelivery_state_idx'),
                ),
                migrations.AddConstraint(
                    model_name='digestdelivery',
                    constraint=models.UniqueConstraint(fields=('subscription', 'period'), name='digestdelivery_one_per_period'),
                ),
                migrations.AddConstraint(
                    model_name='digestdelivery',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'sending', 'sent', 'skipped', 'failed'])), name='digestdelivery_state_valid'),
                ),
            ],
        ),
        migrations.RunPython(relabel("measures", "digests"), relabel("digests", "measures")),
    ]
