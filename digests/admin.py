"""Digest subscriptions, runs and deliveries (operations, read-only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from measures.access import viewer_for
from measures.admin.base import ServiceAdmin

from .models import DigestDelivery, DigestRun, ReminderDelivery, Subscription


class OperationsAdmin(ServiceAdmin):
    """What the weekly digest job did. Written by the digest tasks only."""

    writer_role = None
    show_audit_trail = False

    def has_view_permission(self, request, obj=None):
        return viewer_for(request.user).is_admin and super().has_view_permission(request, obj)


@admin.register(Subscription)
class SubscriptionAdmin(OperationsAdmin):
    list_display = ["__str__", "user", "language", "paused", "confirmed_at", "unsubscribed_at"]
    list_filter = ["language", "paused"]
    search_fields = ["user__username", "user__email", "email"]
    list_select_related = ["user"]
    fields = [
        "user",
        "email",
        "language",
        ("confirmed_at", "paused", "unsubscribed_at"),
        "followed",
        "created_at",
        "version",
    ]
    readonly_fields = ["followed", "created_at", "version"]

    def prepare_object(self, request, obj):
        obj.visible_initiatives = list(obj.initiatives.visible_to(request.user))

    @admin.display(description=_("follows"))
    def followed(self, obj):
        parts = [
            ", ".join(c.pk for c in obj.countries.all()),
            ", ".join(str(m.number) for m in obj.measures.all()),
            ", ".join(str(i) for i in getattr(obj, "visible_initiatives", [])),
        ]
        return " · ".join(p for p in parts if p) or _("everything")


@admin.register(DigestRun)
class DigestRunAdmin(OperationsAdmin):
    list_display = [
        "period",
        "started_at",
        "finished_at",
        "chunks_done",
        "chunks_total",
        "sent",
        "skipped",
        "failed",
    ]
    list_filter = ["period"]
    date_hierarchy = "started_at"


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(OperationsAdmin):
    list_display = ["period", "subscription", "state", "attempts", "sent_at", "lease_expires_at"]
    list_filter = ["state", "period"]
    search_fields = ["subscription__user__username", "subscription__email", "message_id"]
    list_select_related = ["subscription__user"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(OperationsAdmin):
    list_display = ["period", "user", "state", "attempts", "sent_at", "lease_expires_at"]
    list_filter = ["state", "period"]
    search_fields = ["user__username", "user__email", "message_id"]
    list_select_related = ["user"]
