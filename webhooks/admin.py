"""Webhooks and their delivery logs, for admins: register a hook for an
account, change its address and filters, disable it, enable it again.

An administrator registers a hook for another account — a service account,
typically (a user made with ``grant --create``, whose token feeds a client)
— with the same checks as the API (``services.create_webhook``: the address
must be public and https, the filters must exist and be visible to the
owner). The admin chooses the owner, never a clearance: what a delivery
carries is computed for the owner at delivery time, as for a hook the owner
registered. The secret is shown once, in the message after saving. A
refused write shows the service's message on the form and writes nothing.

The log holds record handles only, never a record's content, so reading it
shows an admin nothing above their clearance. Every write goes through the
services (audited) under the admin's name."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from measures.access import viewer_for
from measures.admin.base import ServiceAdmin, adopt
from measures.admin.forms import VersionedModelForm
from measures.choices import Role

from . import services
from .filters import KINDS
from .models import Delivery, Webhook

FILTERS = ["countries", "measures", "initiatives", "kinds"]
STATE = [
    "language",
    ("active", "disabled_at", "disabled_reason"),
    ("consecutive_failures", "next_attempt_at"),
    "created_at",
    "version",
]


class AdminOnly(ServiceAdmin):
    writer_role = None
    show_audit_trail = False

    def has_view_permission(self, request, obj=None):
        return viewer_for(request.user).is_admin and super().has_view_permission(request, obj)


class WebhookForm(VersionedModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    kinds = forms.MultipleChoiceField(
        label=_("kinds of change"),
        choices=[(kind, kind) for kind in sorted(KINDS)],
        required=False,
        help_text=_("Record types, or type.action; none = every kind."),
    )
    # Set once, at registration (the owner changes it over the API). Not
    # required: a post without it gets the site's language, as the API does.
    language = forms.ChoiceField(
        label=_("language"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The owner's mail about this webhook is written in it."),
    )

    class Meta:
        model = Webhook
        fields = ["owner", "url", "description", *FILTERS, "language"]


@admin.register(Webhook)
class WebhookAdmin(AdminOnly):
    form = WebhookForm
    writer_role = Role.ADMIN
    list_display = ["url", "owner", "active", "consecutive_failures", "disabled_at", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "owner__username"]
    list_select_related = ["owner"]
    filter_horizontal = ["countries", "measures", "initiatives"]
    readonly_fields = [
        "owner",
        "language",
        "active",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "next_attempt_at",
        "created_at",
        "version",
    ]
    actions = ["disable", "enable"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["owner", "url", "description", *FILTERS, "language"]
        return ["url", "owner", "description", *FILTERS, *STATE, "expected_version"]

    def get_changeform_initial_data(self, request):
        # The admin's own language, as the API takes the caller's.
        return {
            **super().get_changeform_initial_data(request),
            "language": translation.get_language(),
        }

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            # Any active account (each reads at its own clearance); the
            # service refuses a deactivated one too.
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def write_object(self, user, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in ("url", "description", *FILTERS)}
        if not change:
            language = data["language"] or None
            hook = services.create_webhook(user, owner=data["owner"], language=language, **fields)
        elif form.has_changed():
            version = data.get("expected_version")
            hook = services.update_webhook(user, form.instance, expected_version=version, **fields)
        else:
            return
        adopt(form.instance, hook)

    def response_add(self, request, obj, post_url_continue=None):
        # The one time the secret is shown, as the API's 201 shows it.
        self.message_user(
            request,
            gettext(
                "The secret of the webhook for %(owner)s, shown only now (keep it, and give "
                "it to whoever runs the receiver): %(secret)s"
            )
            % {"owner": obj.owner, "secret": obj.secret},
            messages.WARNING,
        )
        return super().response_add(request, obj, post_url_continue)

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
