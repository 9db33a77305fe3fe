"""Weekly reminders ("due this week"): one lease-claimed delivery per user and ISO week."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('digests', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReminderDelivery',
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
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_deliveries', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'reminder deliveries',
                'ordering': ['period', 'user'],
                'indexes': [models.Index(fields=['period', 'state'], name='reminderdelivery_state_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'period'), name='reminderdelivery_one_per_period'), models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'sending', 'sent', 'skipped', 'failed'])), name='reminderdelivery_state_valid')],
            },
        ),
    ]
