from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # The audit layer announces each committed revision; it must not know
        # who listens (webhooks sit above it), so the link is made here.
        from measures.audit.revisions import revision_committed  # noqa: PLC0415

        from . import tasks  # noqa: PLC0415

        revision_committed.connect(tasks.revision_committed, dispatch_uid="webhooks")
