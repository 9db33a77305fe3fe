from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_migrate

from .choices import ReviewPolicy


def check_review_policy(app_configs=None, **kwargs):
    """``CBM_REVIEW`` must name a policy: a typo would otherwise surface as a
    500 on the first recording, or silently publish what should wait."""
    value = getattr(settings, "CBM_REVIEW", ReviewPolicy.LEVEL_CHANGES)
    if value in ReviewPolicy.values:
        return []
    return [
        checks.Error(
            f"CBM_REVIEW is {value!r}; it must be one of: {', '.join(ReviewPolicy.values)}.",
            hint="none: no review; level_changes (the default): a change of level waits for a "
            "second person; all: every recording waits.",
            id="measures.E001",
        )
    ]


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Measures and assessments"

    def ready(self):
        # Models are not importable until the registry is ready.
        from .roles import ensure_roles  # noqa: PLC0415

        post_migrate.connect(ensure_roles, sender=self)
        checks.register(check_review_policy)
