"""API tokens, for administrators: list them and revoke them.

This replaces knox's own admin, which made tokens with no name and no
site-wide maximum, and deleted them unaudited, leaving the tokens they had
made alive. Tokens are made on the account page, over the API or with
``create_api_token``; here an administrator revokes one through
``services.revoke_token``, which revokes the tokens made with it too, in
one audited write under the administrator's name. Tokens are named by their
key (the proxy ``Token``), never by the token or its digest.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from .. import services
from ..models import Token
from ..models.tokens import descendants_of
from .base import AdminsReadOnlyMixin

admin.site.unregister(AuthToken)


@admin.register(Token)
class TokenAdmin(AdminsReadOnlyMixin, admin.ModelAdmin):
    list_display = ["token_key", "user", "name", "created", "expiry", "minted_by"]
    list_select_related = ["user", "cbm_token__minted_by"]
    search_fields = ["token_key", "user__username", "cbm_token__name"]
    ordering = ["-created", "token_key"]
    fields = list_display
    readonly_fields = list_display
    actions = ["delete_selected"]

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request)

    @admin.display(description=_("name"), ordering="cbm_token__name")
    def name(self, obj):
        return getattr(getattr(obj, "cbm_token", None), "name", "") or _("(unnamed)")

    @admin.display(description=_("made with"))
    def minted_by(self, obj):
        parent = getattr(getattr(obj, "cbm_token", None), "minted_by", None)
        return parent.token_key if parent else "—"

    def get_deleted_objects(self, objs, request):
        # The confirmation page lists what revoking takes with it: the
        # tokens made with these (Django's collector would only see that
        # their link to the parent is cleared).
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        revoked = {child.token_key for obj in objs for child in descendants_of(obj)}
        deleted += [
            _("API token: %(key)s, made with a revoked token") % {"key": key}
            for key in sorted(revoked)
        ]
        return deleted, counts, perms, protected

    def delete_model(self, request, obj):
        services.revoke_token(obj.user, obj.token_key, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.revoke_token(obj.user, obj.token_key, actor=request.user)

    def log_deletions(self, request, queryset):
        """Nothing: the audit trail holds the revocation (services.revoke_token),
        which, unlike Django's log, names no token key."""
