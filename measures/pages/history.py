"""History on the pages: the "what changed between two dates" section of the
country, measure and initiative pages, and the compare page's form. The
figures come from measures/reads/history.py, through the visibility rule."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countries.models import Country
from measures.audit import disclosures
from measures.models import Measure
from measures.reads.history import COMPARE_MAX, COMPARE_MIN, a_year_before, changes_between
from measures.reads.labels import localized

from .common import Table, cell_url
from .forms import DATE_INPUT

EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 1, 1)


def _in_range(day):
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValidationError(_("Give a date between 1900 and 2999."))
    return day


class ChangesForm(forms.Form):
    """The two dates of "what changed"; both default (a year before the second,
    and the as-of date or today)."""

    changed_from = forms.DateField(
        label=pgettext_lazy("history", "From"), required=False, widget=DATE_INPUT
    )
    changed_to = forms.DateField(
        label=pgettext_lazy("history", "To"), required=False, widget=DATE_INPUT
    )

    def clean_changed_from(self):
        return _in_range(self.cleaned_data.get("changed_from"))

    def clean_changed_to(self):
        return _in_range(self.cleaned_data.get("changed_to"))

    def clean(self):
        data = super().clean()
        start, end = data.get("changed_from"), data.get("changed_to")
        if start and end and start > end:
            raise ValidationError(
                pgettext_lazy("history", "The first date must be on or before the second.")
            )
        return data


def what_changed(request, as_of, filters_for):
    """The "what changed" section: the form, the two dates and the cells whose
    level differs, with their links, plus its table for the CSV download.
    ``filters_for(start, end)`` gives the scorecard filters of the page (None:
    nothing to compare)."""
    form = ChangesForm(request.GET)
    rows = []
    # The table releases the assessments behind both dates' levels.
    with disclosures.noting() as levels:
        if form.is_valid():
            end = form.cleaned_data["changed_to"] or as_of or timezone.localdate()
            start = form.cleaned_data["changed_from"] or a_year_before(end)
            filters = filters_for(start, end)
            if filters is not None:
                rows = _named(changes_between(request.user, start, end, filters), as_of)
            # Shown with the dates used, defaults included.
            form = ChangesForm(initial={"changed_from": start, "changed_to": end})
        else:
            start = end = None
    table = Table(
        "changes",
        ["measure", "title", "country", "partner", "from_level", "from_on", "to_level", "to_on"],
        [
            (
                r["measure"],
                r["title"],
                r["country"],
                r["partner"],
                r["from_level"],
                r["from_on"],
                r["to_level"],
                r["to_on"],
            )
            for r in rows
        ],
        releases=levels,
    )
    section = {"form": form, "start": start, "end": end, "rows": rows, "count": len(rows)}
    return section, table


def _named(rows, as_of):
    """The rows with their measure's title, their countries' names and their cell's URL."""
    titles = {m.number: localized(m, "title") for m in Measure.objects.all()}
    codes = {r["country"] for r in rows} | {r["partner"] for r in rows if r["partner"]}
    names = {c.iso2: localized(c, "name") for c in Country.objects.filter(pk__in=codes)}
    return [
        {
            **r,
            "title": titles[r["measure"]],
            "country_name": names[r["country"]],
            "partner_name": names.get(r["partner"], ""),
            "url": cell_url(r["cell_id"], as_of),
        }
        for r in rows
    ]


class CompareForm(forms.Form):
    """Two to four countries (``?c=DZ&c=MA``) and an optional as-of date."""

    c = forms.MultipleChoiceField(label=pgettext_lazy("history", "Countries"), choices=())
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Replay history: the levels as they stood on this date."),
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:
            # Empty selects send "c="; codes are read in any case.
            data = data.copy()
            data.setlist("c", [v.strip().upper() for v in data.getlist("c") if v.strip()])
        super().__init__(data, **kwargs)
        self.countries = sorted(
            ((c.iso2, localized(c, "name")) for c in Country.objects.all()),
            key=lambda pair: pair[1],
        )
        self.fields["c"].choices = self.countries

    def clean_c(self):
        codes = list(dict.fromkeys(self.cleaned_data["c"]))  # each once, in order
        if not COMPARE_MIN <= len(codes) <= COMPARE_MAX:
            raise ValidationError(
                pgettext_lazy("history", "Choose two to four different countries.")
            )
        return codes

    def clean_as_of(self):
        return _in_range(self.cleaned_data.get("as_of"))

    def slots(self, chosen):
        """The four selects: their label and the country chosen in each."""
        labels = [
            pgettext_lazy("history", "First country"),
            pgettext_lazy("history", "Second country"),
            pgettext_lazy("history", "Third country (optional)"),
            pgettext_lazy("history", "Fourth country (optional)"),
        ]
        chosen = list(chosen) + [""] * COMPARE_MAX
        return [
            {"id": f"compare-c{i + 1}", "label": label, "value": chosen[i]}
            for i, label in enumerate(labels)
        ]
