"""Right of reply on the pages: a respondent answers an assessment of their
country. The reply is shown beside the assessment on the cell page; it is
written through ``services.reply_to_assessment``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from measures import services
from measures.access import viewer_for
from measures.models import Assessment, Evidence
from measures.reads.labels import highest_marking, localized
from measures.reads.replies import replies_prefetch, with_replies
from measures.services.refusals import REFUSALS, add_to_form

from .common import readable
from .forms import marking_choices, resolve_marking

# The evidence a respondent may cite lists at most this many items (newest first).
CITABLE_LIMIT = 200


class ReplyForm(forms.Form):
    """A reply in English and/or French, the evidence it cites, its marking."""

    text_en = forms.CharField(
        label=gettext_lazy("Reply (English)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    text_fr = forms.CharField(
        label=gettext_lazy("Reply (French)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.MultipleChoiceField(
        label=gettext_lazy("Evidence it cites"), required=False, widget=forms.CheckboxSelectMultiple
    )
    marking = forms.ChoiceField(
        label=gettext_lazy("Handling marking"),
        required=False,
        help_text=gettext_lazy(
            "Leave on automatic to take the lowest marking that covers the assessment "
            "and the cited evidence."
        ),
    )

    def __init__(self, *args, user, evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_rows = {str(e.public_id): e for e in evidence}
        self.fields["evidence"].choices = [
            (
                key,
                f"{e.occurred_on:%Y-%m-%d} · {Truncator(localized(e, 'summary')).chars(90)} "
                f"[{e.source.key}, {e.reliability}, {e.marking}]",
            )
            for key, e in self.evidence_rows.items()
        ]
        self.fields["marking"].choices = [("", _("automatic"))] + marking_choices(user)

    def clean(self):
        data = super().clean()
        if not (data.get("text_en", "").strip() or data.get("text_fr", "").strip()):
            self.add_error("text_en", _("Write the reply, in English or in French."))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "text_en": data["text_en"],
            "text_fr": data["text_fr"],
            "evidence": [self.evidence_rows[key] for key in data["evidence"]],
            "marking": resolve_marking(data["marking"]),
        }


@readable
@require_http_methods(["GET", "POST"])
def reply(request, public_id):
    """GET: the assessment, its replies and the reply form; POST: reply."""
    assessment = get_object_or_404(
        Assessment.objects.visible_to(request.user)
        .select_related("cell__measure", "cell__country", "cell__partner", "marking")
        .prefetch_related(replies_prefetch(request.user)),
        public_id=public_id,
    )
    if not viewer_for(request.user).may_reply_for(assessment.cell):
        raise PermissionDenied(_("Only the respondents of this country may reply."))
    evidence = _citable_evidence(request.user, assessment.cell)
    if request.method == "GET":
        form = ReplyForm(user=request.user, evidence=evidence)
        return _render(request, assessment, form, evidence)
    form = ReplyForm(request.POST, user=request.user, evidence=evidence)
    if not form.is_valid():
        return _render(request, assessment, form, evidence, status=400)
    try:
        services.reply_to_assessment(request.user, assessment, **form.service_kwargs())
    except REFUSALS as exc:
        refusal = add_to_form(form, exc)
        return _render(request, assessment, form, evidence, status=refusal.status)
    messages.success(request, _("Your reply was attached to the assessment."))
    return redirect(reverse("cell", args=[assessment.cell_id]) + "#history-title")


def _citable_evidence(user, cell):
    """Visible, non-retracted evidence about this cell or its countries."""
    codes = [c for c in (cell.country_id, cell.partner_id) if c]
    about = Q(cells=cell) | Q(cells__country_id__in=codes) | Q(cells__partner_id__in=codes)
    ids = Evidence.objects.visible_to(user).filter(retracted=False).filter(about).values("pk")
    return list(
        Evidence.objects.filter(pk__in=ids)
        .select_related("source", "marking")
        .order_by("-occurred_on", "-id")[:CITABLE_LIMIT]
    )


def _render(request, assessment, form, evidence, status=200):
    cell = assessment.cell
    return render(
        request,
        "measures/reply.html",
        {
            "assessment": assessment,
            "cell": cell,
            "measure_title": localized(cell.measure, "title"),
            "form": form,
            "page_marking": highest_marking(
                with_replies([assessment]) + [e.marking for e in evidence]
            ),
        },
        status=status,
    )
