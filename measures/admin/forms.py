"""Forms of the admin: they collect and check input; the services decide and write.

A form here never saves anything itself. The last step of validating a change
form is the admin's write step (``ServiceModelForm.full_clean``, which calls
``ServiceAdmin.write_checked`` in measures/admin/base.py): the services are
called once, with the cleaned data, and a refusal becomes an error of the form,
so that Django shows the page again with the user's input and the service's
message, having written nothing.
"""

import re

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from countries.choices import DatePrecision
from countries.models import Initiative

from ..choices import Level, MarkingLevel, Role
from ..models import Cell, Evidence, UserProfile
from ..services.refusals import add_to_form

# Database check constraints whose generic message ("Constraint … is violated")
# is better said next to the field the user has to fill in.
CONSTRAINT_MESSAGES = {
    "assessment_has_rationale": (
        "rationale_en",
        _("Say why: a rationale (English or French) is required."),
    ),
    "evidence_has_summary": ("summary_en", _("A summary (English or French) is required.")),
}


def parse_codes(text):
    """Releasable-to codes typed by staff: ISO alpha-2 codes and initiative slugs,
    separated by commas or spaces (``nato, MA``)."""
    return sorted({code for code in re.split(r"[\s,;]+", text or "") if code})


# Fields a refusal names that the admin's forms show under another name: a
# marking is chosen with a level and a releasable-to list (MarkingFieldsForm);
# DRF's name for the form as a whole (webhooks.services) is the top of the form.
REFUSAL_FIELDS = {"marking": "marking_level", "non_field_errors": None}


def add_refusal(form, exc):
    """Show a service's refusal on an admin form (measures.services.refusals)."""
    return add_to_form(form, exc, aliases=REFUSAL_FIELDS)


class MarkingFieldsForm(forms.Form):
    """Two fields to choose a handling marking: a level and releasable-to codes,
    resolved with ``Marking.objects.resolve``. With ``marking_required = False``
    an empty level means "let the service derive it" (``marking_help`` says how)."""

    marking_required = True
    marking_help = ""

    marking_level = forms.ChoiceField(
        label=_("marking"),
        choices=[("", "—"), *MarkingLevel.choices],
        required=False,
        help_text=_("Handling level. Nobody may mark above their own clearance."),
    )
    releasable_to = forms.CharField(
        label=_("releasable to"),
        required=False,
        help_text=_(
            "ISO country codes and/or organisation slugs, separated by commas "
            "(e.g. <code>nato, MA</code>). Empty: releasable to everyone cleared for the level."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["marking_level"]
        if self.marking_required:
            field.required = True
            field.choices = list(MarkingLevel.choices)
            self.initial.setdefault("marking_level", MarkingLevel.PUBLIC)
        else:
            field.choices = [("", self.marking_help or _("(derived)")), *MarkingLevel.choices]

    def show_marking(self, marking):
        # Also on a bound form, so that an untouched marking does not count as changed.
        if marking is not None:
            self.initial["marking_level"] = marking.level
            self.initial["releasable_to"] = ", ".join(marking.releasable_codes)

    def clean(self):
        """``cleaned["marking"]``: a (level, releasable-to codes) pair for the
        service to resolve inside its transaction, or None (derived/unmarked)."""
        cleaned = super().clean()
        level = cleaned.get("marking_level")
        codes = parse_codes(cleaned.get("releasable_to"))
        cleaned["marking"] = (level, codes) if level else None
        if not level and codes:
            self.add_error("marking_level", _("Choose a level for the releasable-to list."))
        return cleaned

    def marking_changed(self, current):
        """Does the chosen marking differ from ``current`` (a Marking or None)?"""
        chosen = self.cleaned_data.get("marking")
        now = (current.level, current.releasable_codes) if current is not None else None
        return chosen != now


class ServiceModelForm(forms.ModelForm):
    """Base of every admin model form (see the module docstring)."""

    # Set by the admin on the form class it makes for each request
    # (``ServiceAdmin.get_form``): the user the form acts for, and the step
    # that writes what the form checked, called as ``write(form, formsets)``.
    actor = None
    write = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hide_invisible_citation()

    def _hide_invisible_citation(self):
        """A row may cite a source the viewer is not cleared for (the admin's
        querysets annotate ``cite_visible``). Its citation is then neither
        shown nor changed by this form."""
        if "cite_source" not in self.fields or not self.instance.cite_source_id:
            return
        if getattr(self.instance, "cite_visible", False):
            return
        for name in ("cite_source", "cite_locator"):
            if name in self.fields:
                self.fields[name] = forms.CharField(
                    label=self.fields[name].label, required=False, disabled=True
                )
                self.initial[name] = _("(a source you are not cleared for)")

    def full_clean(self):
        super().full_clean()
        # Writing is the last check: Django decides whether the form is valid
        # (and so whether to show it again) right after this, and its inline
        # formsets exist by now (InlineRowsFormSet).
        if self.write is not None and self.is_bound and not self.errors:
            self.write(self, inline_formsets(self.instance))

    def clean(self):
        cleaned = super().clean()
        for name in ("cite_source", "cite_locator"):
            if name in self.fields and self.fields[name].disabled:
                cleaned.pop(name, None)
        return cleaned

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict") and NON_FIELD_ERRORS in errors.error_dict:
            kept = []
            for error in errors.error_dict[NON_FIELD_ERRORS]:
                target = next(
                    (v for k, v in CONSTRAINT_MESSAGES.items() if k in " ".join(error.messages)),
                    None,
                )
                if target is None:
                    kept.append(error)
                elif target[0] in self.fields:
                    self.add_error(target[0], target[1])
                else:
                    self.add_error(None, target[1])
            if kept:
                errors.error_dict[NON_FIELD_ERRORS] = kept
            else:
                del errors.error_dict[NON_FIELD_ERRORS]
            if not errors.error_dict:
                return
        super()._update_errors(errors)


# Where an instance lists the inline formsets built around it.
INLINE_FORMSETS = "admin_inline_formsets"


class InlineRowsFormSet(BaseInlineFormSet):
    """The rows of an inline on an admin change page, written in one step with
    the page's form. Django builds the form, then these formsets around the
    form's instance, and only then validates the form; the form's write step
    needs them, so each formset lists itself on the instance they share."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vars(self.instance).setdefault(INLINE_FORMSETS, []).append(self)


def inline_formsets(instance):
    """The inline formsets built around ``instance`` (``InlineRowsFormSet``)."""
    return vars(instance).get(INLINE_FORMSETS, [])


class VersionedModelForm(ServiceModelForm):
    """Carries the version the user read, in a hidden field, to the service."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Also on a bound form, so that an untouched form does not count as changed.
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.initial["expected_version"] = self.instance.version


class MarkedReferenceForm(MarkingFieldsForm, VersionedModelForm):
    """Reference data that is public unless its source is not (initiatives,
    memberships): an empty level leaves the row unmarked."""

    marking_required = False
    marking_help = _("(unmarked: public)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_marking(self.instance.marking if self.instance.marking_id else None)


class SourceForm(MarkingFieldsForm, VersionedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_marking(self.instance.marking if self.instance.marking_id else None)


class EvidenceAddForm(MarkingFieldsForm, VersionedModelForm):
    marking_required = False
    marking_help = _("(the source's marking)")


class EvidenceChangeForm(MarkingFieldsForm, VersionedModelForm):
    """Evidence is append-mostly: after creation one may link it to more cells
    and initiatives, or re-mark it. Retraction is an action."""

    add_cells = forms.ModelMultipleChoiceField(
        label=_("link to more cells"), queryset=Cell.objects.none(), required=False
    )
    add_initiatives = forms.ModelMultipleChoiceField(
        label=_("link to more initiatives"), queryset=Initiative.objects.none(), required=False
    )
    remark_reason = forms.CharField(
        label=_("reason for re-marking"),
        required=False,
        help_text=_("Recorded in the audit trail when the marking changes."),
    )

    # Set by the admin on the form class it makes for each request
    # (``EvidenceAdmin.get_form``): the cells and initiatives this user may
    # link, and the admin site whose autocomplete views offer them.
    cell_choices = Cell.objects.none()
    initiative_choices = Initiative.objects.none()
    admin_site = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_marking(self.instance.marking if self.instance.marking_id else None)
        if self.admin_site is not None:
            # The widget first: setting the queryset hands its choices to the widget.
            for name, field in (("add_cells", "cells"), ("add_initiatives", "initiatives")):
                self.fields[name].widget = AutocompleteSelectMultiple(
                    Evidence._meta.get_field(field), self.admin_site
                )
        self.fields["add_cells"].queryset = self.cell_choices
        self.fields["add_initiatives"].queryset = self.initiative_choices

    @property
    def remarked(self):
        return self.cleaned_data.get("marking") is not None and self.marking_changed(
            self.instance.marking
        )


class AssessmentAddForm(MarkingFieldsForm, VersionedModelForm):
    """A new dated level of a cell. ``expected_version`` is the version of the
    *cell* the user read (``version_of`` says which cell that was)."""

    marking_required = False
    marking_help = _("(the lowest marking covering the evidence)")

    version_of = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "level" in self.fields:
            self.fields["level"].help_text = _(
                "“Not started” is a finding; a cell nobody has assessed is shown as “not rated”."
            )

    def clean(self):
        cleaned = super().clean()
        cell = cleaned.get("cell")
        if cell is not None and cleaned.get("version_of") != cell.pk:
            # The user picked a cell other than the one whose page they came from:
            # they have read nothing of it, so there is no older state to protect.
            # Whose version counts: the user's (cells look different by clearance).
            cleaned["expected_version"] = cell.version_for(self.actor)
        return cleaned


class VersionFieldsMixin:
    """One hidden ``version_<pk>`` field per row, holding the version the user saw."""

    def add_version_fields(self, versions):
        self.version_keys = list(versions)
        for pk, version in versions.items():
            self.fields[f"version_{pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=version, min_value=1
            )

    def versions(self):
        return {pk: self.cleaned_data[f"version_{pk}"] for pk in self.version_keys}


class RecordAssessmentsForm(MarkingFieldsForm, VersionFieldsMixin, forms.Form):
    """The bulk action's intermediate page: one assessment for many cells."""

    marking_required = False
    marking_help = _("(public)")
    field_order = ["level", "effective_on", "effective_precision", "rationale_en", "rationale_fr"]

    level = forms.ChoiceField(choices=Level.choices)
    effective_on = forms.DateField(
        label=_("effective on"),
        help_text=_("When it became true in the world (YYYY-MM-DD)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    effective_precision = forms.ChoiceField(
        label=_("date precision"), choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    rationale_en = forms.CharField(
        label=_("rationale (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    rationale_fr = forms.CharField(
        label=_("rationale (French)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_fields(versions)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("rationale_en") or cleaned.get("rationale_fr")):
            self.add_error("rationale_en", CONSTRAINT_MESSAGES["assessment_has_rationale"][1])
        return cleaned


class RetractForm(VersionFieldsMixin, forms.Form):
    """Retraction needs a reason; the versions are those the user saw."""

    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why is this wrong? The entry stays in the history, flagged."),
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_fields(versions)


class UserProfileForm(ServiceModelForm):
    """What ``services.grant`` takes: a role, a clearance, a scope, affiliations."""

    role = forms.ChoiceField(label=_("role"), choices=Role.choices)

    class Meta:
        model = UserProfile
        fields = [
            "user",
            "clearance",
            "scope_countries",
            "affiliated_countries",
            "affiliated_initiatives",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "scope_countries" in self.fields:
            self.fields["scope_countries"].help_text = _(
                "An editor records for these countries; a respondent replies for them."
            )
        if self.instance.pk is not None and not self.is_bound:
            roles = set(self.instance.user.groups.values_list("name", flat=True)) & set(Role.values)
            if self.instance.user.is_superuser:
                roles.add(Role.ADMIN)
            for role in (Role.ADMIN, Role.EDITOR, Role.ANALYST, Role.RESPONDENT, Role.READER):
                if role in roles:
                    self.initial["role"] = role
                    break

    def affiliations(self):
        return [c.pk for c in self.cleaned_data.get("affiliated_countries") or ()] + [
            i.slug for i in self.cleaned_data.get("affiliated_initiatives") or ()
        ]
