"""The audit trail, markings, user profiles and Django's user admin."""

import json

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import services
from ..access import viewer_for, visible_markings
from ..audit import handles
from ..choices import Role
from ..models import (
    ChangeRecord,
    Marking,
    UserProfile,
)
from .base import (
    NOT_CLEARED,
    PublicIdAdminMixin,
    ServiceAdmin,
    adopt,
)
from .forms import (
    UserProfileForm,
)

# --- the audit trail, markings, profiles ----------------------------------------------


@admin.register(ChangeRecord)
class ChangeRecordAdmin(PublicIdAdminMixin, ServiceAdmin):
    """The audit trail: read-only, each record visible under the marking of its row."""

    writer_role = None
    show_audit_trail = False
    # No revision numbers or row ids: they count writes and rows the staff
    # user may not see (handles and public ids instead, measures/handles.py).
    list_display = [
        "time",
        "actor_username",
        "action",
        "content_type",
        "object_repr",
        "marking_display",
        "message",
    ]
    list_display_links = ["time", "object_repr"]
    list_filter = ["action", ("content_type", admin.RelatedOnlyFieldListFilter), "marking__level"]
    search_fields = ["object_repr", "actor_username", "message", "request_id"]
    date_hierarchy = "time"
    list_select_related = ["content_type", "marking"]
    ordering = ["-revision", "-id"]
    fields = [
        "time",
        ("actor_username", "request_id"),
        ("action", "content_type", "object_handle"),
        "object_repr",
        "marking_display",
        "message",
        "before_shown",
        "after_shown",
    ]
    readonly_fields = ["object_handle", "marking_display", "before_shown", "after_shown"]

    def prepare_object(self, request, obj):
        # Internal ids become handles; a row the user may not see (a source a
        # row cites, say) has none, as on the row's own page.
        model = handles.model_for(obj.content_type)
        wanted = {(model, obj.object_id)}
        for data in (obj.before, obj.after):
            wanted.update(handles.snapshot_refs(model, data))
        names = handles.resolve(wanted, request.user)
        obj.shown = {
            "object": names[(model, obj.object_id)],
            "before": handles.public_snapshot(model, obj.before, names),
            "after": handles.public_snapshot(model, obj.after, names),
        }

    def _shown(self, obj, which):
        data = obj.shown[which]
        if isinstance(data, dict) and data.get("cite_source", "") is None:
            data = {**data, "cite_source": str(NOT_CLEARED), "cite_locator": str(NOT_CLEARED)}
        return format_html(
            "<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False, default=str)
        )

    @admin.display(description=_("object"))
    def object_handle(self, obj):
        return obj.shown["object"] or "—"

    @admin.display(description=_("before"))
    def before_shown(self, obj):
        return self._shown(obj, "before")

    @admin.display(description=_("after"))
    def after_shown(self, obj):
        return self._shown(obj, "after")


@admin.register(Marking)
class MarkingAdmin(ServiceAdmin):
    """Markings are immutable values, created on first use by the services.

    A marking exists only because something was filed under it, so the list
    shows only those the user may see (``visible_markings``, the one rule);
    and it is a list only — no change pages, no ids in any URL or checkbox —
    since ids count markings in creation order."""

    writer_role = None
    show_audit_trail = False
    list_display = ["__str__", "level", "key", "releasable_to_all"]
    list_display_links = None
    list_filter = ["level", "releasable_to_all"]
    search_fields = ["key"]
    ordering = ["rank", "key"]
    actions = None

    def get_queryset(self, request):
        visible = visible_markings(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name=f"{info[0]}_{info[1]}_changelist",
            )
        ]


@admin.register(UserProfile)
class UserProfileAdmin(ServiceAdmin):
    """Roles, clearances, scopes and affiliations, granted by admins through
    ``services.grant``. Others see only their own profile."""

    form = UserProfileForm
    writer_role = Role.ADMIN
    list_display = ["user", "roles", "clearance", "scope", "affiliations"]
    list_filter = ["clearance", "user__groups"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["scope_countries", "affiliated_countries", "affiliated_initiatives"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .prefetch_related(
                "user__groups", "scope_countries", "affiliated_countries", "affiliated_initiatives"
            )
        )
        if viewer_for(request.user).is_admin:
            return queryset
        return queryset.filter(user=request.user)

    def has_change_permission(self, request, obj=None):
        # Nobody changes their own access; services.grant refuses it too.
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = [
            "role",
            "clearance",
            "scope_countries",
            "affiliated_countries",
            "affiliated_initiatives",
        ]
        if obj is not None and not self.has_change_permission(request, obj):
            return ["user", "roles", *fields[1:]]
        return ["user", *fields]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "roles"] if obj is not None else []

    def write_object(self, user, form, change):
        data = form.cleaned_data
        profile = services.grant(
            user,
            form.instance.user,
            role=data["role"],
            clearance=data["clearance"],
            countries=[c.pk for c in data["scope_countries"]],
            affiliations=form.affiliations(),
        )
        adopt(form.instance, profile)

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.user.groups.all()) or "—"

    @admin.display(description=_("country scope"))
    def scope(self, obj):
        return ", ".join(c.pk for c in obj.scope_countries.all()) or "—"

    @admin.display(description=_("affiliations"))
    def affiliations(self, obj):
        codes = [c.pk for c in obj.affiliated_countries.all()]
        codes += [i.slug for i in obj.affiliated_initiatives.all()]
        return ", ".join(codes) or "—"


# Roles, clearances and scopes change only through services.grant (the
# UserProfile page above, or `manage.py grant`), which audits them; Django's
# own user admin would let an admin flip groups or superuser status unaudited.
admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(User)
class CBMUserAdmin(UserAdmin):
    readonly_fields = [
        "groups",
        "user_permissions",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
