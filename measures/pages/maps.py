"""The map (``/map/``): the tracked countries coloured by score or by their
level on one measure, each a link to its country page, everything also in a
table beside it."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from measures.access import viewer_for
from measures.choices import NO_EVIDENCE
from measures.models import Measure
from measures.reads import maps
from measures.reads.labels import legend, level_initials, level_label, localized
from measures.templatetags.cbm_pages import score as score_text

from .common import readable
from .forms import DATE_INPUT


class MapForm(forms.Form):
    measure = forms.TypedChoiceField(
        label=pgettext_lazy("map", "Colour by"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": pgettext_lazy(
                "map", "There is no measure %(value)s: choose the score or one of the measures."
            )
        },
    )
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("Replay history: the levels as they stood on this date."),
    )

    def __init__(self, data):
        super().__init__(data)
        self.fields["measure"].choices = [("", pgettext("map", "Score (all measures)"))] + [
            (m.number, f"{m.number}. {localized(m, 'short_title') or localized(m, 'title')}")
            for m in Measure.objects.order_by("number")
        ]

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day is not None and not datetime.date(1900, 1, 1) <= day <= datetime.date(2999, 1, 1):
            raise ValidationError(_("Give a date between 1900 and 2999."))
        return day


@readable
def country_map(request):
    form = MapForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A bad measure or date answers 400 with the form and its error, no map.
        return render(request, "measures/map.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    as_of, measure = data.get("as_of"), data.get("measure")
    rows, total = maps.map_rows(viewer_for(request.user), as_of, measure)
    countries = sorted((_map_row(r, total, as_of, measure) for r in rows), key=lambda r: r["name"])
    view_box = maps.shapes()["view_box"]
    return render(
        request,
        "measures/map.html",
        {
            "form": form,
            "as_of": as_of,
            "measure": Measure.objects.filter(number=measure).first() if measure else None,
            "countries": countries,
            "drawn": [c for c in countries if c["shape"]],
            "elsewhere": [c for c in countries if not c["shape"]],
            "context_shapes": maps.context_shapes({r["iso2"] for r in rows}),
            "view_box": " ".join(str(n) for n in view_box),
            "source": maps.shapes()["source"],
            "legend": _legend(measure),
        },
    )


def _map_row(row, total, as_of, measure):
    """One country as the map and the table show it, its text said in words."""
    name = localized(row, "name")
    coverage = pgettext("map", "%(rated)s/%(total)s rated") % {
        "rated": row["rated"],
        "total": total,
    }
    if measure is None and row["score"] is None:
        text = pgettext("map", "%(country)s: no score, %(coverage)s") % {
            "country": name,
            "coverage": coverage,
        }
    elif measure is None:
        text = pgettext("map", "%(country)s: score %(score)s, %(coverage)s") % {
            "country": name,
            "score": score_text(row["score"]),
            "coverage": coverage,
        }
    else:
        text = _("%(country)s, measure %(n)s: %(level)s") % {
            "country": name,
            "n": measure,
            "level": level_label(row["level"]),
        }
        if row["effective_on"]:
            text += " " + _("(since %(date)s)") % {"date": row["effective_on"].isoformat()}
    url = reverse("country", args=[row["iso2"]])
    return {
        **row,
        "name": name,
        "coverage": coverage,
        "text": text,
        "label": level_label(row["level"]),
        "initials": level_initials(row["level"]),
        "url": f"{url}?as_of={as_of.isoformat()}" if as_of else url,
    }


def _legend(measure):
    if measure is not None:
        return legend()
    bands = [
        {"level": level, "initials": level_initials(level), "label": f"{low}–{high}\u202f%"}
        for level, low, high in reversed(maps.band_ranges())
    ]
    none = pgettext("map", "no score: no measure rated")
    return [*bands, {"level": NO_EVIDENCE, "initials": level_initials(NO_EVIDENCE), "label": none}]
