"""Cells and their append-only assessment history."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..access import editable_cells, viewer_for
from ..audit.revisions import StaleVersion
from ..choices import NO_EVIDENCE
from ..models import (
    Assessment,
    Cell,
    ChangeRecord,
    Proposal,
)
from .base import (
    PublicIdAdminMixin,
    ReadOnlyInline,
    ServiceAdmin,
    adopt,
    autocomplete_for,
    marking_label,
)
from .evidence import EvidenceLinkInline, RetractMixin
from .filters import LEVEL_LABELS, CellInitiativeFilter, InitiativeFilter, LevelFilter
from .forms import (
    AssessmentAddForm,
    RecordAssessmentsForm,
    add_refusal,
)

# --- cells and their history ------------------------------------------------------


class AssessmentHistoryInline(ReadOnlyInline):
    """The dated history of a cell: visible assessments, retracted ones struck."""

    model = Assessment
    verbose_name_plural = _("assessment history (what you may see)")
    fields = ["effective", "level_shown", "rationale", "marking_shown", "recorded", "link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("marking", "recorded_by", "retracted_by")
            .order_by("effective_on", "recorded_at", "id")
        )

    @admin.display(description=_("effective on"))
    def effective(self, obj):
        return f"{obj.effective_on} ({obj.effective_precision})"

    @admin.display(description=_("level"))
    def level_shown(self, obj):
        if obj.retracted:
            return format_html(
                '<s>{}</s> <strong class="cbm-retracted">{}</strong> {}',
                obj.get_level_display(),
                _("retracted:"),
                obj.retracted_reason,
            )
        return obj.get_level_display()

    @admin.display(description=_("rationale"))
    def rationale(self, obj):
        return obj.rationale_en or obj.rationale_fr

    @admin.display(description=_("marking"))
    def marking_shown(self, obj):
        return marking_label(obj.marking)

    @admin.display(description=_("recorded"))
    def recorded(self, obj):
        return f"{obj.recorded_at:%Y-%m-%d %H:%M} {obj.recorded_by}"

    @admin.display(description="")
    def link(self, obj):
        url = reverse("admin:measures_assessment_change", args=[obj.public_id])
        return format_html('<a href="{}">{}</a>', url, _("view"))


@admin.register(Cell)
class CellAdmin(ServiceAdmin):
    list_display = [
        "cell",
        "measure_title",
        "country",
        "partner",
        "current_level",
        "level_effective_on",
        "scope",
    ]
    list_display_links = ["cell"]
    list_filter = [
        LevelFilter,
        "measure",
        "country",
        "scope",
        "measure__domain",
        InitiativeFilter,
    ]
    search_fields = [
        "country__iso2",
        "country__name_en",
        "partner__iso2",
        "partner__name_en",
        "measure__title_en",
        "=measure__number",
    ]
    list_select_related = ["measure", "country", "partner"]
    ordering = ["measure__number", "country", "partner"]
    actions = ["record_assessment"]
    inlines = [EvidenceLinkInline, AssessmentHistoryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_level(request.user)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if autocomplete_for(request, ("assessment", "cell"), ("evidence", "cells")):
            queryset = editable_cells(request.user, queryset)
        return queryset, duplicates

    fields = [
        "measure", "country", "partner", "scope", "current_level", "your_version", "created_at"
    ]  # fmt: skip
    readonly_fields = ["scope", "current_level", "your_version", "created_at"]

    # Every country and tracked pair has its cells from the start (the
    # services create them with the country, pair or measure), and a cell
    # changes only by recording assessments.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_record_permission(self, request):
        return viewer_for(request.user).is_editor and request.user.has_perm(
            "measures.add_assessment"
        )

    def object_links(self, request, obj):
        links = []
        if self.has_record_permission(request) and viewer_for(request.user).may_edit_cell(obj):
            query = f"?cell={obj.pk}&version_of={obj.pk}&expected_version={obj.version}"
            links.append((reverse("admin:measures_assessment_add") + query, _("Record assessment")))
            links.append(
                (reverse("admin:measures_evidence_add") + f"?cells={obj.pk}", _("Add evidence"))
            )
        return links

    def audit_records(self, request, obj):
        assessments = [
            str(pk)
            for pk in Assessment.objects.visible_to(request.user)
            .filter(cell=obj)
            .values_list("pk", flat=True)
        ]
        return ChangeRecord.objects.visible_to(request.user).filter(
            Q(content_type=ContentType.objects.get_for_model(Cell), object_id=str(obj.pk))
            | Q(
                content_type=ContentType.objects.get_for_model(Assessment),
                object_id__in=assessments,
            )
        )

    # -- columns -----------------------------------------------------------------

    @admin.display(description=_("cell"), ordering="measure__number")
    def cell(self, obj):
        return str(obj)

    @admin.display(description=_("measure"))
    def measure_title(self, obj):
        return obj.measure.title_en

    @admin.display(description=_("current level (for you)"), ordering="level")
    def current_level(self, obj):
        level = getattr(obj, "level", NO_EVIDENCE)
        label = LEVEL_LABELS.get(level, level)
        if level == NO_EVIDENCE:
            return format_html('<span class="cbm-not-rated">{}</span>', label)
        return format_html('<span class="cbm-level cbm-level-{}">{}</span>', level, label)

    @admin.display(description=_("version (for you)"))
    def your_version(self, obj):
        return obj.version

    @admin.display(description=_("since"), ordering="level_effective_on")
    def level_effective_on(self, obj):
        return getattr(obj, "level_effective_on", None) or "—"

    # -- the weekly bulk update ----------------------------------------------------

    def record_for(self, request, form, cells):
        """Record the form's assessment on every cell, in one transaction; False
        (and the refusal on the form) when the service refuses."""
        by_pk = {c.pk: c for c in cells}
        data = form.cleaned_data
        entries = [
            {
                "cell": by_pk[pk],
                "expected_version": version,
                "level": data["level"],
                "effective_on": data["effective_on"],
                "effective_precision": data["effective_precision"],
                "rationale_en": data["rationale_en"],
                "rationale_fr": data["rationale_fr"],
                "marking": data["marking"],
            }
            for pk, version in form.versions().items()
        ]
        try:
            created = services.submit_assessments(request.user, entries)
        except services.NotVisible as exc:
            raise Http404(str(exc)) from exc
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            add_refusal(form, exc)
            return False
        proposed = sum(isinstance(c, Proposal) for c in created)
        recorded = len(created) - proposed
        if recorded:
            self.message_user(
                request,
                ngettext(
                    "Recorded %(n)d assessment in one transaction.",
                    "Recorded %(n)d assessments in one transaction.",
                    recorded,
                )
                % {"n": recorded},
                messages.SUCCESS,
            )
        if proposed:
            self.message_user(
                request,
                ngettext(
                    "Sent %(n)d change for review by a second person.",
                    "Sent %(n)d changes for review by a second person.",
                    proposed,
                )
                % {"n": proposed},
                messages.SUCCESS,
            )
        return True

    @admin.action(
        permissions=["record"], description=_("Record a new assessment for the selected cells")
    )
    def record_assessment(self, request, queryset):
        cells = list(queryset)
        viewer = viewer_for(request.user)
        outside = [c for c in cells if not viewer.may_edit_cell(c)]
        if outside:
            self.message_user(
                request,
                _("Nothing recorded: %(cells)s outside your country scope.")
                % {"cells": ", ".join(str(c) for c in outside)},
                messages.ERROR,
            )
            return None
        form_kwargs = {"versions": {c.pk: c.version for c in cells}}
        if "apply" in request.POST:
            form = RecordAssessmentsForm(request.POST, **form_kwargs)
            if form.is_valid() and self.record_for(request, form, cells):
                return None
        else:
            form = RecordAssessmentsForm(**form_kwargs)
        return self.action_page(
            request,
            title=_("Record a new assessment for %(n)d cells") % {"n": len(cells)},
            intro=_(
                "One assessment per cell, all in one revision: if any cell changed since "
                "this page was shown, or is outside your scope, nothing is recorded."
            ),
            headers=[_("cell"), _("measure"), _("current level (for you)"), _("since")],
            rows=[
                [str(c), c.measure.title_en, self.current_level(c), self.level_effective_on(c)]
                for c in cells
            ],
            selected=[c.pk for c in cells],
            action="record_assessment",
            form=form,
            submit_label=_("Record"),
        )


@admin.register(Assessment)
class AssessmentAdmin(PublicIdAdminMixin, RetractMixin, ServiceAdmin):
    form = AssessmentAddForm
    list_display = [
        "cell",
        "level_shown",
        "effective",
        "recorded_at",
        "recorded_by",
        "marking_display",
        "retracted",
    ]
    list_display_links = ["cell", "level_shown"]
    list_filter = [
        "level",
        "retracted",
        "effective_precision",
        "marking__level",
        "cell__measure",
        "cell__country",
        "cell__scope",
        "cell__measure__domain",
        CellInitiativeFilter,
    ]
    search_fields = [
        "rationale_en",
        "rationale_fr",
        "cell__country__iso2",
        "cell__country__name_en",
        "cell__partner__iso2",
        "=cell__measure__number",
    ]
    date_hierarchy = "effective_on"
    list_select_related = ["cell__measure", "marking", "recorded_by"]
    ordering = ["-recorded_at", "-id"]
    # Evidence is picked from a filtered list, not an autocomplete: Django's
    # autocomplete answers with primary keys, which count hidden rows.
    autocomplete_fields = ["cell"]
    filter_horizontal = ["evidence"]
    actions = ["retract_selected"]
    retract_headers = [_("cell"), _("level"), _("effective on"), _("marking")]
    add_fieldsets = [
        (None, {"fields": ["cell", "level", ("effective_on", "effective_precision")]}),
        (_("Why"), {"fields": ["rationale_en", "rationale_fr", "evidence"]}),
        (
            _("Handling"),
            {"fields": ["marking_level", "releasable_to", "expected_version", "version_of"]},
        ),
    ]
    view_fieldsets = [
        (None, {"fields": ["cell", "level", ("effective_on", "effective_precision")]}),
        (_("Why"), {"fields": ["rationale_en", "rationale_fr", "evidence_list"]}),
        (
            _("Record"),
            {
                "fields": [
                    "marking_display",
                    ("recorded_at", "recorded_by"),
                    "retraction",
                ]
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.view_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["evidence_list", "marking_display", "retraction"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if initial.get("cell") and "expected_version" not in initial:
            cell = Cell.objects.filter(pk=initial["cell"]).with_version(request.user).first()
            if cell is not None:
                initial.update(version_of=cell.pk, expected_version=cell.version)
        return initial

    # Append-only: never changed, never deleted; wrong entries are retracted.
    def has_change_permission(self, request, obj=None):
        return False

    def prepare_object(self, request, obj):
        obj.visible_evidence = list(obj.evidence.visible_to(request.user))

    def object_links(self, request, obj):
        links = [(reverse("admin:measures_cell_change", args=[obj.cell_id]), _("Cell"))]
        if (
            not obj.retracted
            and self.has_retract_permission(request)
            and viewer_for(request.user).may_edit_cell(obj.cell)
        ):
            links.append(
                (reverse("admin:measures_assessment_retract", args=[obj.public_id]), _("Retract…"))
            )
        return links

    def write_object(self, user, form, change):
        data = form.cleaned_data
        result = services.submit_assessment(
            user,
            data["cell"],
            level=data["level"],
            effective_on=data["effective_on"],
            effective_precision=data["effective_precision"],
            expected_version=data["expected_version"],
            rationale_en=data["rationale_en"],
            rationale_fr=data["rationale_fr"],
            evidence=list(data["evidence"]),
            marking=data["marking"],
        )
        if isinstance(result, Proposal):
            # Nothing is published: the page goes to the proposal instead.
            form.instance.sent_for_review = result
            return
        adopt(form.instance, result)

    def log_addition(self, request, obj, message):
        proposal = getattr(obj, "sent_for_review", None)
        return super().log_addition(request, proposal or obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        proposal = getattr(obj, "sent_for_review", None)
        if proposal is None:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _("Sent for review: a second person publishes it (%(cell)s, %(level)s).")
            % {"cell": proposal.cell, "level": proposal.get_level_display()},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:measures_proposal_change", args=[proposal.public_id])
        )

    def retract_versions(self, request, rows):
        cells = {obj.cell_id for obj in rows}
        return dict(
            Cell.objects.filter(pk__in=cells)
            .with_version(request.user)
            .values_list("pk", "version")
        )

    def retract_all(self, request, rows, reason, versions):
        expected = dict(versions)
        for obj in rows:
            services.retract_assessment(
                request.user, obj, reason=reason, expected_version=expected[obj.cell_id]
            )
            # A retraction the user sees moves their version of the cell by
            # one: the next one on the same cell expects that.
            expected[obj.cell_id] += 1

    def retract_row(self, obj):
        return [str(obj.cell), obj.get_level_display(), obj.effective_on, obj.marking]

    # -- columns -----------------------------------------------------------------

    @admin.display(description=_("cell"), ordering="cell__measure__number")
    def cell(self, obj):
        return str(obj.cell)

    @admin.display(description=_("level"), ordering="level")
    def level_shown(self, obj):
        if obj.retracted:
            return format_html("<s>{}</s>", obj.get_level_display())
        return obj.get_level_display()

    @admin.display(description=_("effective on"), ordering="effective_on")
    def effective(self, obj):
        return f"{obj.effective_on} ({obj.effective_precision})"

    @admin.display(description=_("evidence"))
    def evidence_list(self, obj):
        rows = getattr(obj, "visible_evidence", [])
        return (
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:measures_evidence_change", args=[e.public_id]), str(e))
                    for e in rows
                ),
            )
            or "—"
        )


@admin.register(Proposal)
class ProposalAdmin(PublicIdAdminMixin, ServiceAdmin):
    """Proposals, read-only (they are decided on /proposals/ and in the API):
    each viewer sees those ``Proposal.objects.visible_to`` gives them."""

    writer_role = None
    list_display = [
        "cell",
        "level",
        "state",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "marking_display",
    ]
    list_filter = ["state", "level", "cell__measure", "cell__country"]
    list_select_related = ["cell__measure", "marking", "proposed_by", "decided_by"]
    ordering = ["-proposed_at", "-id"]
    fields = [
        "cell",
        "level",
        ("effective_on", "effective_precision"),
        "rationale_en",
        "rationale_fr",
        "state",
        ("proposed_by", "proposed_at"),
        ("decided_by", "decided_at"),
        "comment",
        "marking_display",
    ]
    readonly_fields = [
        "cell",
        "level",
        "effective_on",
        "effective_precision",
        "rationale_en",
        "rationale_fr",
        "state",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "comment",
        "marking_display",
    ]
