"""Shared admin machinery: calling the services, and the bases of every model admin."""

import uuid
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import NestedObjects, flatten_fieldsets
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Exists, OuterRef
from django.forms import all_valid
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cbm_tracker.models import Cited, Versioned

from .. import services
from ..access import viewer_for
from ..audit.revisions import StaleVersion
from ..choices import Role
from ..models import (
    ChangeRecord,
    Evidence,
    Marking,
    Source,
)
from ..services.refusals import refusal_of
from .forms import (
    InlineRowsFormSet,
    MarkedReferenceForm,
    ServiceModelForm,
    VersionedModelForm,
    add_refusal,
)

NOT_CLEARED = _("(a source you are not cleared for)")


# --- calling the services ----------------------------------------------------


class Refused(Exception):
    """A service refused a deletion. Raised through the admin view's
    transaction so that everything the request wrote (Django's log entry of
    the deletion too) is rolled back; the view then says why in a message."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def call(service, *args, **kwargs):
    """Call a service where no form shows its refusal (deletions): its
    refusals become ``Refused``, ``NotVisible`` a 404."""
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
    for message in refusal_of(exc).messages:
        model_admin.message_user(request, message, messages.ERROR)


def is_cited(model):
    return issubclass(model, Cited)


def has_marking(model):
    """Optionally marked reference data (initiatives, memberships)."""
    return any(f.name == "marking" for f in model._meta.concrete_fields)


def resolve_marking(chosen, user):
    """A form's (level, codes) choice as a Marking, inside the write step's
    transaction; an initiative hidden from ``user`` reads as an unknown code."""
    return Marking.objects.resolve(*chosen, viewer=user) if chosen else None


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


# --- bases -------------------------------------------------------------------


class AdminsReadOnlyMixin:
    """Rows only administrators read here, and nobody adds or edits (the
    disclosure ledger, API tokens); whether they may be deleted is each
    admin's own say."""

    def has_view_permission(self, request, obj=None):
        return viewer_for(request.user).is_admin

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
            kwargs["to_field_name"] = "public_id"  # never the sequential id
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


class PublicIdChangeList(ChangeList):
    """Links to rows by their public id (``PublicIdAdminMixin``)."""

    def url_for_result(self, result):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(str(result.public_id),),
            current_app=self.model_admin.admin_site.name,
        )


class PublicIdAdminMixin:
    """Rows addressed by their random ``public_id`` in every admin URL, link
    and action selection: the sequential ids count rows the staff user may not
    see (measures/handles.py)."""

    def get_object(self, request, object_id, from_field=None):
        if from_field is None:
            try:
                uuid.UUID(str(object_id))
            except ValueError:
                object_id, from_field = None, "public_id"
            else:
                from_field = "public_id"
        if object_id is None:
            raise Http404(_("No such %(model)s.") % {"model": self.opts.verbose_name})
        return super().get_object(request, object_id, from_field)

    def get_changelist(self, request, **kwargs):
        return PublicIdChangeList

    def action_checkbox(self, obj):
        return super().action_checkbox(PublicIdHandle(obj))

    def response_action(self, request, queryset):
        # Django narrows the queryset by primary key to the selection; the
        # page sent public ids, so hand Django the keys they stand for, and
        # put the public ids back for any intermediate page.
        sent = request.POST
        selected = [v for v in sent.getlist(helpers.ACTION_CHECKBOX_NAME) if is_uuid(v)]
        keys = queryset.filter(public_id__in=selected).values_list("pk", flat=True)
        post = sent.copy()
        post.setlist(helpers.ACTION_CHECKBOX_NAME, [str(pk) for pk in keys])
        request.POST = post
        try:
            return super().response_action(request, queryset)
        finally:
            request.POST = sent


class PublicIdHandle:
    """``obj`` seen through its public id, for Django's action checkbox."""

    def __init__(self, obj):
        self.pk, self._obj = obj.public_id, obj

    def __str__(self):
        return str(self._obj)


def is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


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

    # -- writes: one step, the last check of the change form ------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(
            form.__name__,
            (form,),
            {"actor": request.user, "write": partial(self.write_checked, change)},
        )

    def write_checked(self, change, form, formsets):
        """Write what a valid ``form`` and its inline ``formsets`` hold, as
        ``form.actor``: called once, by the form, as the last step of its
        validation (``ServiceModelForm.full_clean``). Everything is written in
        one savepoint of the view's transaction; a refusal undoes it all and
        becomes an error of the form, so that Django shows the page again."""
        if not all_valid(formsets):
            return  # Django shows their errors
        user, obj = form.actor, form.instance
        before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        adding = obj._state.adding
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                self.write_object(user, form, change)
                for formset in formsets:
                    formset.save(commit=False)  # computes what changed; writes nothing
                    self.write_formset(user, form, formset)
        except services.NotVisible as exc:
            raise Http404(str(exc)) from exc
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            # The page is shown again around this instance: put back what the
            # undone write set on it (a marking, a version, a new row's id).
            for attname, value in before.items():
                setattr(obj, attname, value)
            obj._state.adding = adding
            add_refusal(form, exc)

    def write_object(self, user, form, change):
        """Call the services for ``form.instance``; overridden where they write it."""
        raise PermissionDenied(_("This record cannot be written here."))

    def write_formset(self, user, form, formset):
        """Call the services for an inline's rows; overridden where they write them."""
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            raise PermissionDenied(
                _("%(what)s cannot be changed here.")
                % {"what": formset.model._meta.verbose_name_plural}
            )

    def save_model(self, request, obj, form, change):
        """Nothing is left to write: the form's write step did it."""

    def save_related(self, request, form, formsets, change):
        """Nothing is left to write: the form's write step did it (many-to-many
        links too: the services write them, never ``form.save_m2m()``)."""

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

    # Seen by the page's write step, which refuses any change to these rows
    # (ServiceAdmin.write_formset), should Django ever pass one on.
    formset = InlineRowsFormSet
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
    formset = InlineRowsFormSet
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

    def write_object(self, user, form, change):
        if change and not form.has_changed():
            return  # nothing to write (its inlines may still change)
        obj = form.instance
        if has_marking(type(obj)):
            obj.marking = resolve_marking(form.cleaned_data.get("marking"), user)
        version = form.cleaned_data.get("expected_version") if change else None
        links = {
            f.name: form.cleaned_data[f.name]
            for f in obj._meta.many_to_many
            if f.name in form.cleaned_data
        }
        services.save_reference(user, obj, expected_version=version, links=links)

    def write_formset(self, user, form, formset):
        if not issubclass(formset.model, Versioned):
            super().write_formset(user, form, formset)
            return
        rows = {id(f.instance): f.cleaned_data for f in formset.forms}
        for obj in formset.deleted_objects:
            version = rows[id(obj)].get("expected_version")
            services.delete_reference(user, obj, expected_version=version)
        for obj in formset.new_objects:
            self.write_row(user, obj, rows[id(obj)], expected_version=None)
        for obj, _changed in formset.changed_objects:
            version = rows[id(obj)].get("expected_version")
            self.write_row(user, obj, rows[id(obj)], expected_version=version)

    def write_row(self, user, obj, data, expected_version):
        """One inline row, with the marking chosen on its own form."""
        if has_marking(type(obj)):
            obj.marking = resolve_marking(data.get("marking"), user)
        services.save_reference(user, obj, expected_version=expected_version)

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
