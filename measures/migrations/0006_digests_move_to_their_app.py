"""The digest models now live in the digests app (its migration 0001):
this forgets them from the measures app's state without touching a table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0005_per_viewer_history'),
        ('digests', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='digestdelivery',
                    name='subscription',
                ),
                migrations.DeleteModel(
                    name='DigestRun',
                ),
                migrations.RemoveField(
                    model_name='subscription',
                    name='countries',
                ),
                migrations.RemoveField(
                    model_name='subscription',
                    name='initiatives',
                ),
                migrations.RemoveField(
                    model_name='subscription',
                    name='measures',
                ),
                migrations.RemoveField(
                    model_name='subscription',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='DigestDelivery',
                ),
                migrations.DeleteModel(
                    name='Subscription',
                ),
            ],
        ),
    ]
