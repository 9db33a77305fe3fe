"""One mapping of a service's refusal to what people and clients are told
(measures/services/refusals.py); forms, admin, pages and API only render it."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from measures.audit.revisions import StaleVersion
from measures.models import Cell
from measures.services import NotVisible
from measures.services.refusals import add_to_form, refusal_of


@pytest.fixture
def stale(db):
    cell = Cell.objects.order_by("pk").first()
    return StaleVersion(cell, 2, 3)


def test_a_stale_version_is_a_conflict_on_a_form_and_a_failed_precondition_in_the_api(stale):
    on_form, in_api = refusal_of(stale), refusal_of(stale, precondition=True)
    assert (on_form.status, on_form.code) == (409, "conflict")
    assert (in_api.status, in_api.code) == (412, "precondition_failed")
    (message,) = on_form.messages
    assert message.startswith("Someone changed this since you opened it")
    assert str(stale.obj) in message and "version 2" in message and "version 3" in message
    assert "Nothing was saved" in message


@pytest.mark.parametrize(
    ("exc", "status", "code", "errors"),
    [
        (
            PermissionDenied("Outside your scope."),
            403,
            "permission_denied",
            ((None, "Outside your scope."),),
        ),
        (
            PermissionDenied(),
            403,
            "permission_denied",
            ((None, "You are not allowed to do this. Nothing was saved."),),
        ),
        (NotVisible("No such evidence."), 404, "not_found", ((None, "No such evidence."),)),
        (ValidationError("Bad."), 400, "invalid", ((None, "Bad."),)),
        (
            ValidationError({"level": ["Pick one."], "__all__": ["And more."]}),
            400,
            "invalid",
            (("level", "Pick one."), (None, "And more.")),
        ),
    ],
)
def test_each_refusal_has_one_status_code_and_its_messages(exc, status, code, errors):
    refusal = refusal_of(exc)
    assert (refusal.status, refusal.code, refusal.errors) == (status, code, errors)


def test_anything_else_is_not_a_refusal():
    with pytest.raises(TypeError):
        refusal_of(KeyError("level"))


class Shown(forms.Form):
    level = forms.CharField()
    marking_level = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


def test_a_form_shows_a_message_on_the_field_it_names_or_at_the_top_naming_the_field():
    form = Shown({"level": "x", "marking_level": "public", "version": 1})
    assert form.is_valid()
    exc = ValidationError(
        {"level": ["Pick one."], "marking": ["Too high."], "version": ["Old."], "other": ["No."]}
    )
    refusal = add_to_form(form, exc, aliases={"marking": "marking_level"})
    assert refusal.status == 400
    assert form.errors["level"] == ["Pick one."]
    assert form.errors["marking_level"] == ["Too high."]
    assert form.non_field_errors() == ["version: Old.", "other: No."]
