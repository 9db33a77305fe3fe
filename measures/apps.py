from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Measures and assessments"

    def ready(self):
        # Models are not importable until the registry is ready.
        from .roles import ensure_roles  # noqa: PLC0415

        post_migrate.connect(ensure_roles, sender=self)
