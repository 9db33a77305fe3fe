"""Evidence: filed, linked, re-marked and retracted through the services."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from countries.models import Initiative

from .. import services
from ..access import editable_cells, viewer_for
from ..audit.revisions import StaleVersion
from ..models import (
    Cell,
    Evidence,
)
from .base import (
    PublicIdAdminMixin,
    ReadOnlyInline,
    ServiceAdmin,
    adopt,
    autocomplete_for,
    marking_label,
)
from .filters import VisibleInitiativeFilter, VisibleSourceFilter
from .forms import (
    EvidenceAddForm,
    EvidenceChangeForm,
    RetractForm,
    add_refusal,
)

# --- evidence -------------------------------------------------------------------


EVIDENCE_FACTS = [
    ("occurred_on", "occurred_precision"),
    "summary_en",
    "summary_fr",
    "quote",
    ("source", "locator"),
    "direction",
    ("source_reliability", "information_credibility"),
]


class RetractMixin:
    """Retraction (evidence, assessments): an action with an intermediate page
    asking for the reason, and the same page for one row at ``<pk>/retract/``.
    All rows are retracted or none."""

    @admin.display(description=_("retracted"))
    def retraction(self, obj):
        if not obj.retracted:
            return _("no")
        return format_html(
            "<strong>{}</strong> {} ({}, {})",
            _("Retracted:"),
            obj.retracted_reason,
            obj.retracted_by,
            obj.retracted_at,
        )

    def has_retract_permission(self, request):
        opts = self.opts
        return viewer_for(request.user).is_editor and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/retract/",
                self.admin_site.admin_view(self.retract_view),
                name=f"{opts.app_label}_{opts.model_name}_retract",
            ),
            *super().get_urls(),
        ]

    def retract_view(self, request, object_id):
        if not self.has_retract_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.public_id],
            current_app=self.admin_site.name,
        )
        response = self.retract_rows(request, [obj], action=None)
        return response or HttpResponseRedirect(change_url)

    @admin.action(
        permissions=["retract"], description=_("Retract the selected %(verbose_name_plural)s…")
    )
    def retract_selected(self, request, queryset):
        return self.retract_rows(request, list(queryset), action="retract_selected")

    def retract_rows(self, request, rows, action):
        versions = self.retract_versions(request, rows)
        if "apply" in request.POST:
            form = RetractForm(request.POST, versions=versions)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        self.retract_all(
                            request, rows, form.cleaned_data["reason"], form.versions()
                        )
                except services.NotVisible as exc:
                    raise Http404(str(exc)) from exc
                except (ValidationError, PermissionDenied, StaleVersion) as exc:
                    add_refusal(form, exc)
                else:
                    self.message_user(
                        request,
                        ngettext("%(n)d row retracted.", "%(n)d rows retracted.", len(rows))
                        % {"n": len(rows)},
                        messages.SUCCESS,
                    )
                    return None
        else:
            form = RetractForm(versions=versions)
        return self.action_page(
            request,
            title=_("Retract %(what)s") % {"what": self.opts.verbose_name_plural},
            intro=_(
                "Retracted entries leave every level computation but stay in the history, "
                "flagged, with your reason."
            ),
            headers=self.retract_headers,
            rows=[self.retract_row(obj) for obj in rows],
            selected=[obj.public_id for obj in rows] if action else [],
            action=action,
            form=form,
            submit_label=_("Retract"),
        )


class EvidenceLinkInline(ReadOnlyInline):
    """The evidence filed against a cell (visible evidence only)."""

    model = Evidence.cells.through
    classes = ["cbm-hide-original"]
    verbose_name = _("evidence")
    verbose_name_plural = _("evidence on this cell")
    fields = ["evidence_link", "occurred", "direction", "grade", "marking", "retracted"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(evidence__in=Evidence.objects.visible_to(request.user).values("pk"))
            .select_related("evidence__source", "evidence__marking")
            .order_by("-evidence__occurred_on", "evidence_id")
        )

    @admin.display(description=_("evidence"))
    def evidence_link(self, link):
        url = reverse("admin:measures_evidence_change", args=[link.evidence_id])
        text = link.evidence.summary_en or link.evidence.summary_fr
        return format_html('<a href="{}">{}</a>', url, text[:120])

    @admin.display(description=_("occurred"))
    def occurred(self, link):
        return f"{link.evidence.occurred_on} ({link.evidence.occurred_precision})"

    @admin.display(description=_("direction"))
    def direction(self, link):
        return link.evidence.get_direction_display()

    @admin.display(description=_("grade"))
    def grade(self, link):
        return f"{link.evidence.reliability} [{link.evidence.source.key}]"

    @admin.display(description=_("marking"))
    def marking(self, link):
        return marking_label(link.evidence.marking)

    @admin.display(description=_("retracted"), boolean=True)
    def retracted(self, link):
        return link.evidence.retracted


@admin.register(Evidence)
class EvidenceAdmin(PublicIdAdminMixin, RetractMixin, ServiceAdmin):
    list_display = [
        "occurred",
        "summary",
        "source_key",
        "direction",
        "grade",
        "marking_display",
        "retracted",
    ]
    list_display_links = ["occurred", "summary"]
    list_filter = [
        VisibleSourceFilter,
        "direction",
        "retracted",
        "marking__level",
        "source_reliability",
        "information_credibility",
        "cells__measure",
        "cells__country",
        VisibleInitiativeFilter,
    ]
    search_fields = ["summary_en", "summary_fr", "quote", "locator", "key", "source__key"]
    date_hierarchy = "occurred_on"
    list_select_related = ["source", "marking"]
    ordering = ["-occurred_on", "-id"]
    autocomplete_fields = ["source", "cells", "initiatives"]
    actions = ["retract_selected"]
    retract_headers = [_("occurred"), _("summary"), _("source"), _("marking")]

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if autocomplete_for(request, ("assessment", "evidence")):
            queryset = queryset.filter(retracted=False)
        return queryset, duplicates

    # -- forms: full form to add; links and marking only afterwards -----------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EvidenceChangeForm if obj is not None else EvidenceAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        choices = {
            "cell_choices": editable_cells(request.user, Cell.objects.all()),
            "initiative_choices": Initiative.objects.visible_to(request.user),
            "admin_site": self.admin_site,
        }
        return type(form.__name__, (form,), choices)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": EVIDENCE_FACTS}),
                (_("Links"), {"fields": ["cells", "initiatives"]}),
                (_("Handling"), {"fields": ["marking_level", "releasable_to"]}),
            ]
        shown = [
            (None, {"fields": ["key", *EVIDENCE_FACTS, ("created_at", "created_by")]}),
            (_("Links"), {"fields": ["cell_list", "initiative_list", "assessment_list"]}),
            (_("Handling"), {"fields": ["marking_display", "retraction"]}),
        ]
        if not self.has_change_permission(request, obj) or obj.retracted:
            return shown
        return [
            *shown,
            (
                _("Link to more cells or initiatives, or re-mark"),
                {
                    "fields": [
                        "add_cells",
                        "add_initiatives",
                        ("marking_level", "releasable_to"),
                        "remark_reason",
                        "expected_version",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "key",
            "occurred_on",
            "occurred_precision",
            "summary_en",
            "summary_fr",
            "quote",
            "source",
            "locator",
            "direction",
            "source_reliability",
            "information_credibility",
            "created_at",
            "created_by",
            "cell_list",
            "initiative_list",
            "assessment_list",
            "marking_display",
            "retraction",
        ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.retracted:
            return False
        return super().has_change_permission(request, obj)

    def prepare_object(self, request, obj):
        obj.visible_initiatives = list(obj.initiatives.visible_to(request.user))
        obj.visible_assessments = list(
            obj.assessments.visible_to(request.user).select_related("cell__measure")
        )

    def object_links(self, request, obj):
        if obj.retracted or not self.has_retract_permission(request):
            return []
        return [(reverse("admin:measures_evidence_retract", args=[obj.public_id]), _("Retract…"))]

    # -- writes ------------------------------------------------------------------

    def write_object(self, user, form, change):
        data = form.cleaned_data
        if not change:
            result = services.create_evidence(
                user,
                source=data["source"],
                occurred_on=data["occurred_on"],
                occurred_precision=data["occurred_precision"],
                summary_en=data["summary_en"],
                summary_fr=data["summary_fr"],
                quote=data["quote"],
                locator=data["locator"],
                direction=data["direction"],
                source_reliability=data["source_reliability"],
                information_credibility=data["information_credibility"],
                cells=data["cells"],
                initiatives=data["initiatives"],
                marking=data["marking"],
            )
            adopt(form.instance, result)
            return
        obj = form.instance
        version = data.get("expected_version")
        if data["add_cells"] or data["add_initiatives"]:
            linked = services.attach_evidence(
                user,
                obj,
                expected_version=version,
                cells=data["add_cells"],
                initiatives=data["add_initiatives"],
            )
            version = linked.version  # the re-marking follows the linking
        if form.remarked:
            services.remark_evidence(
                user, obj, data["marking"], expected_version=version, reason=data["remark_reason"]
            )

    def retract_versions(self, request, rows):
        return {obj.public_id.hex: obj.version for obj in rows}

    def retract_all(self, request, rows, reason, versions):
        for obj in rows:
            services.retract_evidence(
                request.user, obj, reason=reason, expected_version=versions[obj.public_id.hex]
            )

    def retract_row(self, obj):
        return [
            obj.occurred_on,
            (obj.summary_en or obj.summary_fr)[:100],
            obj.source.key,
            obj.marking,
        ]

    # -- columns -----------------------------------------------------------------

    @admin.display(description=_("occurred"), ordering="occurred_on")
    def occurred(self, obj):
        return f"{obj.occurred_on} ({obj.occurred_precision})"

    @admin.display(description=_("summary"))
    def summary(self, obj):
        text = obj.summary_en or obj.summary_fr
        if obj.retracted:
            return format_html("<s>{}</s>", text[:100])
        return text[:100]

    @admin.display(description=_("source"), ordering="source__key")
    def source_key(self, obj):
        return obj.source.key

    @admin.display(description=_("grade"))
    def grade(self, obj):
        return obj.reliability

    @admin.display(description=_("cells"))
    def cell_list(self, obj):
        cells = obj.cells.select_related("measure")
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:measures_cell_change", args=[c.pk]), str(c)) for c in cells),
            )
            or "—"
        )

    @admin.display(description=_("initiatives"))
    def initiative_list(self, obj):
        return ", ".join(str(i) for i in getattr(obj, "visible_initiatives", [])) or "—"

    @admin.display(description=_("assessments resting on it"))
    def assessment_list(self, obj):
        rows = getattr(obj, "visible_assessments", [])
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:measures_assessment_change", args=[a.public_id]), str(a))
                    for a in rows
                ),
            )
            or "—"
        )
