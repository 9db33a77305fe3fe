"""Webhooks and their delivery logs, for admins: list, disable, enable again.

The log holds record handles only, never a record's content, so reading it
shows an admin nothing above their clearance. Writes go through the
services (audited); registering is the API's job, also for a service
account (whose token an admin creates)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from measures.access import viewer_for
from measures.admin.base import ServiceAdmin

from . import services
from .models import Delivery, Webhook


class AdminOnly(ServiceAdmin):
    writer_role = None
    show_audit_trail = False

    def has_view_permission(self, request, obj=None):
        return viewer_for(request.user).is_admin and super().has_view_permission(request, obj)


@admin.register(Webhook)
class WebhookAdmin(AdminOnly):
    list_display = ["url", "owner", "active", "consecutive_failures", "disabled_at", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "owner__username"]
    list_select_related = ["owner"]
    fields = [
        "url",
        "owner",
        "description",
        "kinds",
        ("active", "disabled_at", "disabled_reason"),
        ("consecutive_failures", "next_attempt_at"),
        "created_at",
        "version",
    ]
    readonly_fields = [
        "url",
        "owner",
        "description",
        "kinds",
        "active",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "next_attempt_at",
        "created_at",
        "version",
    ]
    actions = ["disable", "enable"]

    @admin.action(description=_("Disable the selected webhooks"))
    def disable(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("Enable the selected webhooks again"))
    def enable(self, request, queryset):
        self._set_active(request, queryset, True)

    def _set_active(self, request, queryset, active):
        for hook in queryset:
            services.update_webhook(
                request.user, hook, expected_version=hook.version, active=active
            )
        self.message_user(
            request, _("%(n)s webhook(s) changed.") % {"n": queryset.count()}, messages.SUCCESS
        )


@admin.register(Delivery)
class DeliveryAdmin(AdminOnly):
    list_display = ["time", "webhook", "attempt", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]
    search_fields = ["webhook__url", "webhook__owner__username"]
    list_select_related = ["webhook"]
    date_hierarchy = "time"
