"""Forms of the web pages. They collect and check input; the services decide and write."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from countries.choices import DatePrecision
from countries.models import Country, Initiative, Region
from measures import services
from measures.access import viewer_for, visible_markings
from measures.choices import (
    MARKING_RANK,
    Direction,
    Domain,
    InformationCredibility,
    Level,
    MarkingLevel,
    SourceReliability,
)
from measures.models import Marking, Measure, Source
from measures.models.tokens import NAME_LENGTH
from measures.reads.labels import initiative_name, localized

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    """The overview's filters; every value is checked against what the viewer may see."""

    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Replay history: the levels as they stood on this date."),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    initiative = forms.ChoiceField(
        label=_("Initiative"),
        required=False,
        help_text=_("Countries that were members on the as-of date (today if none)."),
    )
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    columns = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *, user):
        super().__init__(data)
        everything = [("", _("all"))]
        self.regions = list(Region.objects.order_by("code"))
        self.fields["region"].choices = everything + [
            (r.code, localized(r, "name")) for r in self.regions
        ]
        self.fields["initiative"].choices = everything + sorted(
            ((i.slug, initiative_name(i)) for i in Initiative.objects.visible_to(user)),
            key=lambda choice: choice[1].casefold(),
        )
        self.fields["domain"].choices = everything + list(Domain.choices)

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day is not None and not datetime.date(1900, 1, 1) <= day <= datetime.date(2999, 1, 1):
            raise ValidationError(_("Give a date between 1900 and 2999."))
        return day


def marking_choices(user):
    """Markings the user may give: the plain levels up to their clearance and the
    existing markings with a releasable-to list that they may see."""
    viewer = viewer_for(user)
    choices = [
        (level.value, level.label.upper())
        for level in MarkingLevel
        if viewer.sees_all or MARKING_RANK[level] <= viewer.clearance_rank
    ]
    for marking in visible_markings(user).filter(releasable_to_all=False).order_by("rank", "key"):
        choices.append((marking.key, str(marking)))
    return choices


def resolve_marking(key):
    """The marking a choice names (a plain level is created on first use)."""
    if not key:
        return None
    if key in MarkingLevel.values:
        return Marking.objects.resolve(key)
    return Marking.objects.filter(key=key).first()


class AssessmentForm(forms.Form):
    """A new dated level for one cell, carrying the cell version the editor read."""

    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    effective_on = forms.DateField(
        label=_("Effective date"),
        widget=DATE_INPUT,
        help_text=_("When it became true in the world."),
    )
    effective_precision = forms.ChoiceField(
        label=_("Date precision"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        help_text=_("A date known to the month or year is stored as its first day."),
    )
    rationale_en = forms.CharField(
        label=_("Rationale (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale_fr = forms.CharField(
        label=_("Rationale (French)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence it rests on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    marking = forms.ChoiceField(
        label=_("Handling marking"),
        required=False,
        help_text=_(
            "Leave on automatic to take the lowest marking that covers the chosen evidence."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_rows = {str(e.public_id): e for e in evidence}
        self.fields["evidence"].choices = [
            (
                str(e.public_id),
                f"{e.occurred_on:%Y-%m-%d} · {Truncator(localized(e, 'summary')).chars(90)} "
                f"[{e.source.key}, {e.reliability}, {e.marking}]",
            )
            for e in evidence
        ]
        self.fields["marking"].choices = [("", _("automatic"))] + marking_choices(user)

    def clean(self):
        data = super().clean()
        if not (data.get("rationale_en", "").strip() or data.get("rationale_fr", "").strip()):
            self.add_error(
                "rationale_en", _("Say why: a rationale (English or French) is required.")
            )
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "level": data["level"],
            "effective_on": data["effective_on"],
            "effective_precision": data["effective_precision"],
            "rationale_en": data["rationale_en"],
            "rationale_fr": data["rationale_fr"],
            "evidence": [self.evidence_rows[pk] for pk in data["evidence"]],
            "marking": resolve_marking(data["marking"]),
            "expected_version": data["version"],
        }


class ReconfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    """A new sourced, graded fact about this cell."""

    source = forms.ChoiceField(label=_("Source"))
    locator = forms.CharField(label=_("Locator (page, section, paragraph)"), max_length=200)
    occurred_on = forms.DateField(label=_("Date of the fact"), widget=DATE_INPUT)
    occurred_precision = forms.ChoiceField(
        label=_("Date precision"), choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary_fr = forms.CharField(
        label=_("Summary (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    quote = forms.CharField(label=_("Short quote, verbatim"), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"), choices=SourceReliability.choices, initial="B"
    )
    information_credibility = forms.ChoiceField(
        label=_("Information credibility"), choices=InformationCredibility.choices, initial="2"
    )
    marking = forms.ChoiceField(
        label=_("Handling marking"),
        required=False,
        help_text=_("Leave on automatic to take the source's marking."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {s.key: s for s in Source.objects.visible_to(user).order_by("key")}
        self.fields["source"].choices = [(k, str(s)[:120]) for k, s in self.sources.items()]
        self.fields["marking"].choices = [("", _("automatic"))] + marking_choices(user)

    def clean(self):
        data = super().clean()
        if not (data.get("summary_en", "").strip() or data.get("summary_fr", "").strip()):
            self.add_error("summary_en", _("A summary (English or French) is required."))
        return data

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["source"] = self.sources[data["source"]]
        data["marking"] = resolve_marking(data["marking"])
        return data


# One-pass recording (docs/pages.md): the assessment, the evidence it cites,
# and inline parts for one new item of evidence and one new source.

# How the picker says why an item is offered.
ABOUT = {
    "cell": _("this cell"),
    "country": _("same country"),
    "measure": _("same measure"),
    "found": _("search result"),
    "chosen": _("ticked"),
}


def evidence_label(item):
    """A picker line: the whole summary, its source, grade and marking."""
    return (
        f"{ABOUT.get(getattr(item, 'about', ''), '')} · {item.occurred_on:%Y-%m-%d} · "
        f"{localized(item, 'summary')} — {Truncator(item.source.title).chars(80)} "
        f"[{item.source.key}], {item.reliability}, {item.marking}"
    )


class RecordForm(AssessmentForm):
    """The assessment part: no level until the editor picks one; a search box
    narrows the evidence offered for citing."""

    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("choose a level"))] + list(Level.choices)
    )
    q = forms.CharField(
        label=_("Search evidence"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Words of a summary, quote, locator or source."),
    )

    def __init__(self, *args, user, evidence, **kwargs):
        super().__init__(*args, user=user, evidence=evidence, **kwargs)
        self.fields["evidence"].label = _("Cite existing evidence")
        self.fields["evidence"].choices = [(str(e.public_id), evidence_label(e)) for e in evidence]


class NewEvidenceForm(EvidenceForm):
    """One new item of evidence, filed against this cell and cited."""

    prefix = "new_evidence"
    # Typing in any of these says the editor is adding evidence.
    FILLED = ("summary_en", "summary_fr", "locator", "quote")

    field_order = [
        "summary_en",
        "summary_fr",
        "occurred_on",
        "occurred_precision",
        "source",
        "locator",
        "quote",
        "direction",
        "source_reliability",
        "information_credibility",
        "marking",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["source"].required = False
        self.fields["source"].choices = [
            ("", _("choose a source, or describe a new one below"))
        ] + self.fields["source"].choices

    @classmethod
    def filled(cls, data):
        """Whether ``data`` (a POST) describes this part: typing in it says so."""
        return any(str(data.get(f"{cls.prefix}-{n}", "")).strip() for n in cls.FILLED)

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["source"] = self.sources.get(data["source"])
        data["marking"] = resolve_marking(data["marking"])
        return data


class NewSourceForm(forms.Form):
    """A source the new evidence cites, added with it."""

    prefix = "new_source"
    FILLED = ("title", "publisher", "url")

    title = forms.CharField(label=_("Title"), max_length=500)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    published_on = forms.DateField(label=_("Date published"), required=False, widget=DATE_INPUT)
    url = forms.URLField(label=_("Web address (URL)"), required=False, assume_scheme="https")
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", "English"), ("fr", "Français")], initial="en"
    )
    marking = forms.ChoiceField(label=_("Handling marking"), initial="public")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marking"].choices = marking_choices(user)

    @classmethod
    def filled(cls, data):
        """Whether ``data`` (a POST) describes this part: typing in it says so."""
        return any(str(data.get(f"{cls.prefix}-{n}", "")).strip() for n in cls.FILLED)

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["marking"] = resolve_marking(data["marking"])
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=NAME_LENGTH, help_text=_("What the token is for.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The site-wide limit, read when the form is made (settings may change).
        self.fields["days"] = forms.IntegerField(
            label=_("Valid for (days)"),
            min_value=1,
            max_value=settings.CBM_TOKEN_MAX_DAYS,
            initial=services.default_token_days(),
        )


class RevokeTokenForm(forms.Form):
    token_key = forms.CharField(max_length=25, widget=forms.HiddenInput)


class SubscriptionForm(forms.Form):
    """What the weekly digest follows; nothing chosen means everything."""

    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    initiatives = forms.MultipleChoiceField(
        label=_("Initiatives"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    language = forms.ChoiceField(label=_("Language of the digest"), choices=settings.LANGUAGES)
    paused = forms.BooleanField(label=_("Paused"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.countries = {c.iso2: c for c in Country.objects.order_by("iso2")}
        self.measures = {str(m.number): m for m in Measure.objects.order_by("number")}
        self.initiatives = {i.slug: i for i in Initiative.objects.visible_to(user).order_by("slug")}
        self.fields["countries"].choices = [
            (k, f"{localized(c, 'name')} ({k})") for k, c in self.countries.items()
        ]
        self.fields["measures"].choices = [
            (k, f"{k}. {localized(m, 'title')}") for k, m in self.measures.items()
        ]
        self.fields["initiatives"].choices = sorted(
            ((k, initiative_name(i)) for k, i in self.initiatives.items()),
            key=lambda choice: choice[1].casefold(),
        )

    def follows(self):
        data = self.cleaned_data
        return {
            "countries": [self.countries[k] for k in data["countries"]],
            "measures": [self.measures[k] for k in data["measures"]],
            "initiatives": [self.initiatives[k] for k in data["initiatives"]],
        }
