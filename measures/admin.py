"""The admin, tuned for the staff who update statuses every week.

Reads: every queryset of a marked model (Source, Evidence, Assessment,
ChangeRecord, and the optionally marked Initiative, Membership and
CarriedMeasure) goes through ``visible_to(request.user)``, so a hidden row is
a 404 here as everywhere; inlines, choices, filters and counts are filtered
the same way. The cell list shows each cell's level *for the viewer*
(``Status.objects.with_level``).

Writes: only through measures/services.py. A model form here validates input;
``save_model``/``save_formset``/``delete_model`` call a service. When the
service refuses (ValidationError, PermissionDenied, StaleVersion), the
exception leaves the admin view's transaction, so nothing the request did is
kept; the view then validates the same POST again with the refusal attached
and the page comes back with the user's input and the service's message
(``ServiceAdmin.changeform_view``). ``services.NotVisible`` becomes a 404.

Versioned rows carry the version the user read in a hidden
``expected_version`` field; the services compare-and-swap on it.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import NestedObjects, flatten_fieldsets, unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cbm_tracker.models import Cited, Versioned
from countries.models import Initiative, Membership

from . import services
from .admin_forms import (
    STALE_MESSAGE,
    AssessmentAddForm,
    EvidenceAddForm,
    EvidenceChangeForm,
    MarkedReferenceForm,
    RecordAssessmentsForm,
    RetractForm,
    ServiceModelForm,
    SourceForm,
    UserProfileForm,
    VersionedModelForm,
    add_refusal,
    refusal_errors,
)
from .choices import NO_EVIDENCE, Level, Role
from .models import (
    Assessment,
    CarriedMeasure,
    ChangeRecord,
    DigestDelivery,
    DigestRun,
    Evidence,
    Indicator,
    Marking,
    Measure,
    Observation,
    Source,
    Status,
    Subscription,
    UserProfile,
)
from .revisions import StaleVersion
from .visibility import editable_cells, viewer_for, visible_markings

NOT_CLEARED = _("(a source you are not cleared for)")
LEVEL_LABELS = {**dict(Level.choices), NO_EVIDENCE: _("not rated")}


# --- calling the services ----------------------------------------------------


class Refused(Exception):
    """A service refused a write. Raised through the admin view's transaction
    so that everything the request wrote is rolled back."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def call(service, *args, **kwargs):
    """Call a service; its refusals become ``Refused``, ``NotVisible`` a 404."""
    try:
        return service(*args, **kwargs)
    except services.NotVisible as exc:
        raise Http404(str(exc)) from exc
    except (ValidationError, PermissionDenied, StaleVersion) as exc:
        raise Refused(exc) from exc


def adopt(target, result):
    """Make the admin's form instance stand for the row a service wrote."""
    for field in result._meta.concrete_fields:
        setattr(target, field.attname, getattr(result, field.attname))
    target._state.adding = False
    target._state.db = result._state.db


def message_refusal(model_admin, request, exc):
    for _field, message in refusal_errors(exc):
        model_admin.message_user(request, message, messages.ERROR)


def is_cited(model):
    return issubclass(model, Cited)


def has_marking(model):
    """Optionally marked reference data (initiatives, memberships)."""
    return any(f.name == "marking" for f in model._meta.concrete_fields)


def resolve_marking(chosen):
    """A form's (level, codes) choice as a Marking, inside the view's transaction."""
    return call(Marking.objects.resolve, *chosen) if chosen else None


def cite_visible(user):
    """Annotation: may the viewer see the source this row cites?"""
    return Exists(Source.objects.visible_to(user).filter(pk=OuterRef("cite_source")))


def autocomplete_for(request, *fields):
    """Is this an autocomplete request for one of ``(model_name, field_name)``?"""
    return (request.GET.get("model_name"), request.GET.get("field_name")) in fields


def marking_label(marking):
    if marking is None:
        return "—"
    return format_html('<span class="cbm-marking cbm-marking-{}">{}</span>', marking.level, marking)


# --- list filters ------------------------------------------------------------


class LevelFilter(admin.SimpleListFilter):
    """The current level of a cell *for the viewer* (an annotation)."""

    title = _("current level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return list(LEVEL_LABELS.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(level=self.value())
        return queryset


class InitiativeFilter(admin.SimpleListFilter):
    """Rows whose country (or partner) is a member of an initiative, by the
    memberships the viewer may see."""

    title = _("initiative (members)")
    parameter_name = "initiative"
    member_fields = ("country", "partner")

    def lookups(self, request, model_admin):
        return [(i.pk, str(i)) for i in Initiative.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        members = (
            Membership.objects.visible_to(request.user)
            .filter(initiative_id=self.value())
            .values("country")
        )
        condition = Q()
        for field in self.member_fields:
            condition |= Q(**{f"{field}__in": members})
        return queryset.filter(condition)


class CellInitiativeFilter(InitiativeFilter):
    member_fields = ("status__country", "status__partner")


class CountryInitiativeFilter(InitiativeFilter):
    title = _("initiative")
    member_fields = ("pk",)


def visible_choice_filter(field_path, model, title):
    """A list filter on a relation to a (possibly) marked model, offering only
    the rows the viewer may see (Django's related filter lists them all)."""

    class Filter(admin.SimpleListFilter):
        parameter_name = field_path

        def lookups(self, request, model_admin):
            return [(o.pk, str(o)) for o in model.objects.visible_to(request.user)]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_path: self.value()})
            return queryset

    Filter.title = title
    return Filter


VisibleInitiativeFilter = visible_choice_filter("initiatives", Initiative, _("initiative"))
LinkedInitiativeFilter = visible_choice_filter("initiative", Initiative, _("initiative"))


class VisibleSourceFilter(admin.SimpleListFilter):
    """Filter by source, listing only the sources the viewer may see."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [
            (s.pk, f"[{s.key}] {s.title[:50]}") for s in Source.objects.visible_to(request.user)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(source_id=self.value())
        return queryset


# --- bases -------------------------------------------------------------------


class VisibleRowsMixin:
    """Every queryset of a marked (or optionally marked) model is the viewer's."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset


class VisibleChoicesMixin:
    """Choices of marked rows in forms (selects, autocompletes) are the visible ones."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if hasattr(db_field.related_model.objects, "visible_to"):
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Evidence:
            kwargs["queryset"] = Evidence.objects.visible_to(request.user).filter(retracted=False)
        elif hasattr(db_field.related_model.objects, "visible_to"):
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReferenceFieldsMixin:
    """Rows citing a source: the citation is shown (and editable) only when the
    viewer may see that source. Shared by model admins and inlines."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_cited(self.model):
            queryset = queryset.annotate(cite_visible=cite_visible(request.user))
        return queryset

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if is_cited(self.model) and "citation" not in fields:
            fields.append("citation")
        if has_marking(self.model) and "marking_display" not in fields:
            fields.append("marking_display")
        return fields

    def editable(self, request, obj):
        if isinstance(self, admin.options.InlineModelAdmin):
            return self.has_change_permission(request, obj)
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets is not None:
            return fieldsets
        editable = self.editable(request, obj)
        # Form-only fields (the hidden version) go last, and only on a form
        # that can be saved; the citation is shown raw only where it can be edited.
        form_only = list(self.form.declared_fields)
        drop = {"citation", "cite_source", "cite_locator", "marking", "marking_display"}
        fields = [f for f in flatten_fieldsets(fieldsets) if f not in drop | set(form_only)]
        if is_cited(self.model):
            fields += ["cite_source", "cite_locator"] if editable else ["citation"]
        if editable:
            fields += form_only  # marking level and codes, the hidden version
        elif has_marking(self.model):
            fields.append("marking_display")
        return [(None, {"fields": fields})]

    @admin.display(description=_("marking"))
    def marking_display(self, obj):
        return marking_label(obj.marking) if obj.marking_id else _("unmarked (public)")

    @admin.display(description=_("source"))
    def citation(self, obj):
        if not obj.cite_source_id:
            return "—"
        if not getattr(obj, "cite_visible", False):
            return NOT_CLEARED
        locator = f", {obj.cite_locator}" if obj.cite_locator else ""
        return f"[{obj.cite_source.key}]{locator}"


class ServiceAdmin(VisibleRowsMixin, VisibleChoicesMixin, admin.ModelAdmin):
    """Base of every model admin here (see the module docstring)."""

    form = ServiceModelForm
    change_form_template = "admin/cbm/change_form.html"
    delete_confirmation_template = "admin/cbm/delete_confirmation.html"
    list_per_page = 50
    # Who may write through this admin: Role.EDITOR (editors and admins),
    # Role.ADMIN, or None (read-only for everyone).
    writer_role = Role.EDITOR
    # Show the audit trail of the object on its change page.
    show_audit_trail = True

    # -- permissions: Django's model permissions *and* the tracker's role ------

    def may_write(self, request):
        viewer = viewer_for(request.user)
        if self.writer_role == Role.ADMIN:
            return viewer.is_admin
        if self.writer_role == Role.EDITOR:
            return viewer.is_editor
        return False

    def has_add_permission(self, request):
        return self.may_write(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # overridden where a service deletes

    # -- the two-pass form handling -------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_cbm_refusal", None)
        if refusal is not None:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            # The view's transaction rolled back: nothing was written. Validate
            # the same POST again with the refusal attached to the form.
            request._cbm_refusal = refused.error
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except Refused as again:  # pragma: no cover - the form shows the refusal
                message_refusal(self, request, again.error)
                return HttpResponseRedirect(request.get_full_path())
            finally:
                del request._cbm_refusal

    def save_model(self, request, obj, form, change):
        raise Refused(PermissionDenied(_("This record cannot be written here.")))

    def save_related(self, request, form, formsets, change):
        # Many-to-many links are written by the services in save_model, never
        # by form.save_m2m().
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # computes what changed; writes nothing
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            raise Refused(
                PermissionDenied(
                    _("%(what)s cannot be changed here.")
                    % {"what": formset.model._meta.verbose_name_plural}
                )
            )

    # -- change page extras ----------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Missing or hidden from this viewer: the same 404 either way
            # (Django's default is a redirect naming the missing id).
            raise Http404(_("No such %(model)s.") % {"model": self.opts.verbose_name})
        self.prepare_object(request, obj)
        return obj

    def prepare_object(self, request, obj):
        """Attach what the change page shows that depends on the viewer."""

    def object_links(self, request, obj):
        """Extra buttons on the change page: [(url, label)]."""
        return []

    def audit_records(self, request, obj):
        content_type = ContentType.objects.get_for_model(obj)
        return ChangeRecord.objects.visible_to(request.user).filter(
            content_type=content_type, object_id=str(obj.pk)
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            marking = getattr(obj, "marking", None) if hasattr(obj, "marking_id") else None
            context["cbm_marking"] = marking
            context["cbm_object_links"] = self.object_links(request, obj)
            if self.show_audit_trail:
                context["cbm_audit_trail"] = list(
                    self.audit_records(request, obj)
                    .select_related("marking")
                    .order_by("-revision", "-id")[:100]
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def action_page(self, request, **context):
        """The intermediate page of an action (or of a one-row view)."""
        opts = self.opts
        context.update(
            self.admin_site.each_context(request),
            opts=opts,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
            media=self.media + context["form"].media,
            cancel_url=reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            ),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cbm/action_page.html", context)

    @admin.display(description=_("marking"), ordering="marking__rank")
    def marking_display(self, obj):
        return marking_label(obj.marking)


class ReadOnlyInline(VisibleRowsMixin, admin.TabularInline):
    """A list on a change page: nothing here is added, changed or deleted."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- reference data (admins only, through save_reference/delete_reference) --


class ReferenceInline(
    ReferenceFieldsMixin, VisibleRowsMixin, VisibleChoicesMixin, admin.TabularInline
):
    form = VersionedModelForm
    extra = 0

    def _may_write(self, request):
        return viewer_for(request.user).is_admin

    def has_add_permission(self, request, obj=None):
        return self._may_write(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request) and super().has_delete_permission(request, obj)


class ReferenceAdmin(ReferenceFieldsMixin, ServiceAdmin):
    """Countries, pairs, initiatives, memberships, measures, indicators...:
    written by admins only through save_reference/delete_reference, each write
    versioned and audited. Initiatives and memberships may carry a marking."""

    form = VersionedModelForm
    writer_role = Role.ADMIN
    actions = ["delete_selected"]

    def has_delete_permission(self, request, obj=None):
        return self.may_write(request) and admin.ModelAdmin.has_delete_permission(
            self, request, obj
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if has_marking(self.model):
            kwargs.setdefault("form", MarkedReferenceForm)
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing to write (its inlines may still change)
        if has_marking(type(obj)):
            obj.marking = resolve_marking(form.cleaned_data.get("marking"))
        version = form.cleaned_data.get("expected_version") if change else None
        links = {
            f.name: form.cleaned_data[f.name]
            for f in obj._meta.many_to_many
            if f.name in form.cleaned_data
        }
        call(services.save_reference, request.user, obj, expected_version=version, links=links)

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, Versioned):
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # computes what changed; writes nothing
        forms = {id(f.instance): f for f in formset.forms}

        def version(obj):
            return forms[id(obj)].cleaned_data.get("expected_version")

        def save(obj, expected_version=None):
            if has_marking(type(obj)):
                obj.marking = resolve_marking(forms[id(obj)].cleaned_data.get("marking"))
            call(services.save_reference, request.user, obj, expected_version=expected_version)

        for obj in formset.deleted_objects:
            call(services.delete_reference, request.user, obj, expected_version=version(obj))
        for obj in formset.new_objects:
            save(obj)
        for obj, _changed in formset.changed_objects:
            save(obj, version(obj))

    def delete_model(self, request, obj):
        try:
            version = int(request.POST.get("expected_version", ""))
        except ValueError:
            version = None
        call(services.delete_reference, request.user, obj, expected_version=version)

    def delete_queryset(self, request, queryset):
        # The bulk action shows no versions: each row is deleted at the
        # version it has now (the confirmation page was just shown).
        for obj in queryset:
            call(services.delete_reference, request.user, obj, expected_version=obj.version)

    def get_deleted_objects(self, objs, request):
        """Django lists every row a deletion cascades to or is blocked by. If
        any of them is hidden from this admin, list none and refuse: nobody
        deletes (or learns of) rows above their clearance."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        related = {}
        for model, instances in collector.data.items():
            related.setdefault(model, set()).update(o.pk for o in instances)
        for obj in collector.protected:
            related.setdefault(type(obj), set()).add(obj.pk)
        for model, pks in related.items():
            manager = model._default_manager
            if not hasattr(manager, "visible_to"):
                continue
            if manager.visible_to(request.user).filter(pk__in=pks).count() < len(pks):
                hidden = _("related rows you are not cleared to see")
                return [hidden], {}, {*perms_needed, hidden}, [hidden] if protected else []
        return deleted, counts, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as refused:
            message_refusal(self, request, refused.error)
            return HttpResponseRedirect(
                reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    @admin.action(permissions=["delete"], description=_("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request, queryset):
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except Refused as refused:
            message_refusal(self, request, refused.error)
            return None


# --- measures ------------------------------------------------------------------


class CarriedMeasureInline(ReferenceInline):
    model = CarriedMeasure
    autocomplete_fields = ["initiative", "measure", "cite_source"]


@admin.register(Measure)
class MeasureAdmin(ReferenceAdmin):
    list_display = ["number", "title_en", "domain", "scope", "target", "citation"]
    list_display_links = ["number", "title_en"]
    list_filter = ["domain", "scope", VisibleInitiativeFilter]
    search_fields = ["title_en", "title_fr", "description_en", "=number"]
    list_select_related = ["cite_source"]
    ordering = ["number"]
    autocomplete_fields = ["cite_source"]
    inlines = [CarriedMeasureInline]

    @admin.display(description=_("target"))
    def target(self, obj):
        if obj.target_value is None:
            return "—"
        return f"{obj.baseline_value} → {obj.target_value} {obj.unit}"


@admin.register(CarriedMeasure)
class CarriedMeasureAdmin(ReferenceAdmin):
    list_display = ["measure", "initiative", "note", "citation"]
    list_filter = [LinkedInitiativeFilter, "measure__domain"]
    search_fields = ["note", "initiative__slug", "initiative__acronym", "=measure__number"]
    list_select_related = ["measure", "initiative", "cite_source"]
    autocomplete_fields = ["initiative", "measure", "cite_source"]


class ObservationInline(ReferenceInline):
    model = Observation
    autocomplete_fields = ["country", "cite_source"]


@admin.register(Indicator)
class IndicatorAdmin(ReferenceAdmin):
    list_display = ["slug", "name_en", "unit", "measure", "observation_count"]
    search_fields = ["slug", "name_en", "name_fr"]
    list_filter = ["measure"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure", "cite_source"]
    inlines = [ObservationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_observations=Count("observations"))

    @admin.display(description=_("observations"), ordering="n_observations")
    def observation_count(self, obj):
        return obj.n_observations


@admin.register(Observation)
class ObservationAdmin(ReferenceAdmin):
    list_display = ["indicator", "country", "observed_on", "precision", "value", "citation"]
    list_filter = ["indicator", "country", "precision"]
    search_fields = ["indicator__slug", "indicator__name_en", "country__iso2", "note"]
    date_hierarchy = "observed_on"
    list_select_related = ["indicator", "country", "cite_source"]
    autocomplete_fields = ["indicator", "country", "cite_source"]


# --- sources -------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    form = SourceForm
    list_display = [
        "key",
        "title",
        "author",
        "publisher",
        "published_on",
        "language",
        "marking_display",
        "evidence_count",
    ]
    list_display_links = ["key", "title"]
    list_filter = ["language", "marking__level"]
    search_fields = ["key", "title", "author", "publisher", "description"]
    list_select_related = ["marking"]
    ordering = ["key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "title",
                    ("author", "publisher"),
                    ("published_on", "published_precision"),
                    "language",
                    "file_name",
                    "url",
                    "description",
                ]
            },
        ),
        (_("Handling"), {"fields": ["marking_level", "releasable_to", "expected_version"]}),
    ]

    def get_queryset(self, request):
        visible = visible_markings(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_evidence=Count("evidence", filter=Q(evidence__marking__in=visible), distinct=True)
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            facts = self.fieldsets[0]
            return [facts, (_("Handling"), {"fields": ["marking_display"]})]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ["marking_display"]

    @admin.display(description=_("evidence"), ordering="n_evidence")
    def evidence_count(self, obj):
        url = reverse("admin:measures_evidence_changelist") + f"?source={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_evidence)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        obj.marking = resolve_marking(form.cleaned_data["marking"])
        version = form.cleaned_data.get("expected_version") if change else None
        call(services.save_source, request.user, obj, expected_version=version)


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
            args=[obj.pk],
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
        versions = self.retract_versions(rows)
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
                except StaleVersion as exc:
                    form.add_error(None, f"{exc.obj}: {STALE_MESSAGE % vars(exc)}")
                except (ValidationError, PermissionDenied) as exc:
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
            selected=[obj.pk for obj in rows] if action else [],
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
class EvidenceAdmin(RetractMixin, ServiceAdmin):
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
        if obj is not None:
            site = self.admin_site
            cells = editable_cells(request.user, Status.objects.all())
            initiatives = Initiative.objects.visible_to(request.user)
            form = type(
                form.__name__,
                (form,),
                {"__init__": _evidence_change_init(form, site, cells, initiatives)},
            )
        return form

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
            obj.assessments.visible_to(request.user).select_related("status__measure")
        )

    def object_links(self, request, obj):
        if obj.retracted or not self.has_retract_permission(request):
            return []
        return [(reverse("admin:measures_evidence_retract", args=[obj.pk]), _("Retract…"))]

    # -- writes ------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            result = call(
                services.create_evidence,
                request.user,
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
            adopt(obj, result)
            return
        version = data.get("expected_version")
        if data["add_cells"] or data["add_initiatives"]:
            result = call(
                services.attach_evidence,
                request.user,
                obj,
                expected_version=version,
                cells=data["add_cells"],
                initiatives=data["add_initiatives"],
            )
            version = result.version
        if form.remarked:
            result = call(
                services.remark_evidence,
                request.user,
                obj,
                data["marking"],
                expected_version=version,
                reason=data["remark_reason"],
            )

    def retract_versions(self, rows):
        return {obj.pk: obj.version for obj in rows}

    def retract_all(self, request, rows, reason, versions):
        for obj in rows:
            services.retract_evidence(
                request.user, obj, reason=reason, expected_version=versions[obj.pk]
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
                ((reverse("admin:measures_status_change", args=[c.pk]), str(c)) for c in cells),
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
                ((reverse("admin:measures_assessment_change", args=[a.pk]), str(a)) for a in rows),
            )
            or "—"
        )

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


def _evidence_change_init(form_class, site, cells, initiatives):
    """The change form's extra fields get their choices and widgets per request."""

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        # The widget first: setting the queryset hands its choices to the widget.
        self.fields["add_cells"].widget = AutocompleteSelectMultiple(
            Evidence._meta.get_field("cells"), site
        )
        self.fields["add_cells"].queryset = cells
        self.fields["add_initiatives"].widget = AutocompleteSelectMultiple(
            Evidence._meta.get_field("initiatives"), site
        )
        self.fields["add_initiatives"].queryset = initiatives

    return __init__


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
        return f"{obj.recorded_at:%Y-%m-%d %H:%M} {obj.recorded_by} (r{obj.revision})"

    @admin.display(description="")
    def link(self, obj):
        url = reverse("admin:measures_assessment_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("view"))


@admin.register(Status)
class StatusAdmin(ServiceAdmin):
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
        if autocomplete_for(request, ("assessment", "status"), ("evidence", "cells")):
            queryset = editable_cells(request.user, queryset)
        return queryset, duplicates

    fields = ["measure", "country", "partner", "scope", "current_level", "version", "created_at"]
    readonly_fields = ["scope", "current_level", "version", "created_at"]

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
            query = f"?status={obj.pk}&version_of={obj.pk}&expected_version={obj.version}"
            links.append((reverse("admin:measures_assessment_add") + query, _("Record assessment")))
            links.append(
                (reverse("admin:measures_evidence_add") + f"?cells={obj.pk}", _("Add evidence"))
            )
        return links

    def audit_records(self, request, obj):
        assessments = [
            str(pk)
            for pk in Assessment.objects.visible_to(request.user)
            .filter(status=obj)
            .values_list("pk", flat=True)
        ]
        return ChangeRecord.objects.visible_to(request.user).filter(
            Q(content_type=ContentType.objects.get_for_model(Status), object_id=str(obj.pk))
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

    @admin.display(description=_("since"), ordering="level_effective_on")
    def level_effective_on(self, obj):
        return getattr(obj, "level_effective_on", None) or "—"

    # -- the weekly bulk update ----------------------------------------------------

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
        by_pk = {c.pk: c for c in cells}
        form_kwargs = {"versions": {c.pk: c.version for c in cells}}
        if "apply" in request.POST:
            form = RecordAssessmentsForm(request.POST, **form_kwargs)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    created = services.record_assessments(
                        request.user,
                        {by_pk[pk]: version for pk, version in form.versions().items()},
                        level=data["level"],
                        effective_on=data["effective_on"],
                        effective_precision=data["effective_precision"],
                        rationale_en=data["rationale_en"],
                        rationale_fr=data["rationale_fr"],
                        marking=data["marking"],
                    )
                except services.NotVisible as exc:
                    raise Http404(str(exc)) from exc
                except StaleVersion as exc:
                    form.add_error(None, f"{exc.obj}: {STALE_MESSAGE % vars(exc)}")
                except (ValidationError, PermissionDenied) as exc:
                    add_refusal(form, exc)
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "Recorded %(n)d assessment under revision %(r)s.",
                            "Recorded %(n)d assessments under revision %(r)s.",
                            len(created),
                        )
                        % {"n": len(created), "r": created[0].revision if created else "—"},
                        messages.SUCCESS,
                    )
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
class AssessmentAdmin(RetractMixin, ServiceAdmin):
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
        "status__measure",
        "status__country",
        "status__scope",
        "status__measure__domain",
        CellInitiativeFilter,
    ]
    search_fields = [
        "rationale_en",
        "rationale_fr",
        "status__country__iso2",
        "status__country__name_en",
        "status__partner__iso2",
        "=status__measure__number",
    ]
    date_hierarchy = "effective_on"
    list_select_related = ["status__measure", "marking", "recorded_by"]
    ordering = ["-recorded_at", "-id"]
    autocomplete_fields = ["status", "evidence"]
    actions = ["retract_selected"]
    retract_headers = [_("cell"), _("level"), _("effective on"), _("marking")]
    add_fieldsets = [
        (None, {"fields": ["status", "level", ("effective_on", "effective_precision")]}),
        (_("Why"), {"fields": ["rationale_en", "rationale_fr", "evidence"]}),
        (
            _("Handling"),
            {"fields": ["marking_level", "releasable_to", "expected_version", "version_of"]},
        ),
    ]
    view_fieldsets = [
        (None, {"fields": ["status", "level", ("effective_on", "effective_precision")]}),
        (_("Why"), {"fields": ["rationale_en", "rationale_fr", "evidence_list"]}),
        (
            _("Record"),
            {
                "fields": [
                    "marking_display",
                    ("recorded_at", "recorded_by", "revision"),
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
        if initial.get("status") and "expected_version" not in initial:
            cell = Status.objects.filter(pk=initial["status"]).first()
            if cell is not None:
                initial.update(version_of=cell.pk, expected_version=cell.version)
        return initial

    # Append-only: never changed, never deleted; wrong entries are retracted.
    def has_change_permission(self, request, obj=None):
        return False

    def prepare_object(self, request, obj):
        obj.visible_evidence = list(obj.evidence.visible_to(request.user))

    def object_links(self, request, obj):
        links = [(reverse("admin:measures_status_change", args=[obj.status_id]), _("Cell"))]
        if (
            not obj.retracted
            and self.has_retract_permission(request)
            and viewer_for(request.user).may_edit_cell(obj.status)
        ):
            links.append(
                (reverse("admin:measures_assessment_retract", args=[obj.pk]), _("Retract…"))
            )
        return links

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        result = call(
            services.record_assessment,
            request.user,
            data["status"],
            level=data["level"],
            effective_on=data["effective_on"],
            effective_precision=data["effective_precision"],
            expected_version=data["expected_version"],
            rationale_en=data["rationale_en"],
            rationale_fr=data["rationale_fr"],
            evidence=list(data["evidence"]),
            marking=data["marking"],
        )
        adopt(obj, result)

    def retract_versions(self, rows):
        return {obj.status_id: obj.status.version for obj in rows}

    def retract_all(self, request, rows, reason, versions):
        expected = dict(versions)
        for obj in rows:
            done = services.retract_assessment(
                request.user, obj, reason=reason, expected_version=expected[obj.status_id]
            )
            # Each retraction moves its cell's version: the next one on the
            # same cell expects the version this one left.
            expected[obj.status_id] = done.status.version

    def retract_row(self, obj):
        return [str(obj.status), obj.get_level_display(), obj.effective_on, obj.marking]

    # -- columns -----------------------------------------------------------------

    @admin.display(description=_("cell"), ordering="status__measure__number")
    def cell(self, obj):
        return str(obj.status)

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
                ((reverse("admin:measures_evidence_change", args=[e.pk]), str(e)) for e in rows),
            )
            or "—"
        )

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


# --- the audit trail, markings, profiles ----------------------------------------------


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ServiceAdmin):
    """The audit trail: read-only, each record visible under the marking of its row."""

    writer_role = None
    show_audit_trail = False
    list_display = [
        "revision",
        "time",
        "actor_username",
        "action",
        "content_type",
        "object_repr",
        "marking_display",
        "message",
    ]
    list_display_links = ["revision", "object_repr"]
    list_filter = ["action", ("content_type", admin.RelatedOnlyFieldListFilter), "marking__level"]
    search_fields = ["object_repr", "actor_username", "message", "request_id", "object_id"]
    date_hierarchy = "time"
    list_select_related = ["content_type", "marking"]
    ordering = ["-revision", "-id"]
    fields = [
        ("revision", "time"),
        ("actor_username", "request_id"),
        ("action", "content_type", "object_id"),
        "object_repr",
        "marking_display",
        "message",
        "before_shown",
        "after_shown",
    ]
    readonly_fields = ["marking_display", "before_shown", "after_shown"]

    def prepare_object(self, request, obj):
        obj.visible_sources = set(
            Source.objects.visible_to(request.user).values_list("pk", flat=True)
        )

    def _shown(self, obj, data):
        # A row may be unmarked yet cite a source the viewer is not cleared
        # for: its citation is masked here as on the row's own page.
        cited = data.get("cite_source_id") if isinstance(data, dict) else None
        if cited is not None and cited not in getattr(obj, "visible_sources", ()):
            data = {**data, "cite_source_id": str(NOT_CLEARED), "cite_locator": str(NOT_CLEARED)}
        return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))

    @admin.display(description=_("before"))
    def before_shown(self, obj):
        return self._shown(obj, obj.before)

    @admin.display(description=_("after"))
    def after_shown(self, obj):
        return self._shown(obj, obj.after)


@admin.register(Marking)
class MarkingAdmin(ServiceAdmin):
    """Markings are immutable values, created on first use by the services."""

    writer_role = None
    show_audit_trail = False
    list_display = ["__str__", "level", "key", "releasable_to_all"]
    list_filter = ["level", "releasable_to_all"]
    search_fields = ["key"]
    ordering = ["rank", "key"]
    fields = [
        "key",
        "level",
        "rank",
        "releasable_to_all",
        "releasable_countries",
        "releasable_initiatives",
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

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        profile = call(
            services.grant,
            request.user,
            obj.user,
            role=data["role"],
            clearance=data["clearance"],
            countries=[c.pk for c in data["scope_countries"]],
            affiliations=form.affiliations(),
        )
        adopt(obj, profile)

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


# --- digests (operations; admins only, read-only) -----------------------------------------


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
