"""The disclosure ledger, for administrators only: read, filter, export.

Nobody adds, changes or deletes an entry here, superusers included (the
application's database role could not either: ``manage.py db_roles``). An
entry names rows by handle and marking label only, never their content, so
the ledger's readers learn who received what, not what it said.
"""

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from ..models import Disclosure
from ..reads import disclosures
from ..reads.csv import csv_text
from .base import AdminsReadOnlyMixin, PublicIdAdminMixin


@admin.register(Disclosure)
class DisclosureAdmin(AdminsReadOnlyMixin, PublicIdAdminMixin, admin.ModelAdmin):
    list_display = ["time", "recipient_username", "channel", "level", "size", "what"]
    list_display_links = ["time"]
    list_filter = ["channel", "level", ("recipient", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient_username", "what", "request_id", "rows__rows__handle"]
    date_hierarchy = "time"
    list_select_related = ["rows"]
    fields = ["time", "recipient_username", "channel", "level", "what", "request_id", "released"]
    readonly_fields = fields
    actions = ["export_csv"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("rows"), ordering="rows__size")
    def size(self, obj):
        return obj.rows.size

    @admin.display(description=_("rows released"))
    def released(self, obj):
        rows = obj.rows.rows.select_related("marking").order_by("model", "handle")
        return format_html_join(
            "", "<div>{} {} — {}</div>", ((r.model, r.handle, r.marking) for r in rows)
        )

    @admin.action(description=_("Export the selected entries as CSV (one line per row)"))
    def export_csv(self, request, queryset):
        response = HttpResponse(
            csv_text(disclosures.ledger_lines(queryset), disclosures.COLUMNS),
            content_type="text/csv; charset=utf-8",
        )
        name = f"cbm-disclosures-{timezone.now():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
