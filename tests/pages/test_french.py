"""The pages in French: Accept-Language, the language switcher, the models' _fr fields,
and a catalogue with every message translated."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from tests.factories import assess, cell_at
from tests.pages.helpers import text

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}

PAGES = [
    "/",
    "/how-scores-work/",
    "/measures/",
    "/measures/2/",
    "/measures/20/",
    "/countries/",
    "/countries/DZ/",
    "/initiatives/",
    "/initiatives/cemoc/",
    "/sources/",
    "/sources/000/",
    "/account/",
]
# Interface text that must not be left in English on a French page.
ENGLISH = [
    "Overview",
    "Log out",
    "Download this table",
    "Skip to main content",
    "How scores work",
    "Evidence timeline",
    "not rated",
    "This page shows items marked",
]


def test_accept_language_gives_french_pages(client, users):
    client.force_login(users.analyst)
    for url in PAGES:
        response = client.get(url, **FRENCH)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert '<html lang="fr">' in body, url
        page = text(response)
        for english in ENGLISH:
            assert english not in page, (url, english)
    body = client.get("/countries/DZ/", **FRENCH).content.decode()
    assert "Algérie" in body and "Chronologie des éléments de preuve" in body
    body = client.get("/measures/17/", **FRENCH).content.decode()
    assert "Une agence inter-maghrébine" in body or "agence" in body


def test_the_cell_page_and_its_form_are_in_french(client, users):
    client.force_login(users.editor)
    response = client.get(reverse("cell", args=[cell_at(17, "DZ").pk]), **FRENCH)
    body = response.content.decode()
    assert "Enregistrer une évaluation" in body
    assert "Reconfirmer" in body
    assert "suspendu" in body


def test_the_language_switcher_overrides_accept_language(client, users):
    client.force_login(users.reader)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/measures/"})
    assert response.status_code == 302
    body = client.get("/measures/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in body and "Les vingt mesures" in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"}, **FRENCH)
    body = client.get("/measures/", **FRENCH).content.decode()
    assert '<html lang="en">' in body


def test_french_heat_map_initials_and_legend(client, users):
    client.force_login(users.reader)
    response = client.get("/", **FRENCH)
    legend = {item["level"]: str(item["initials"]) for item in response.context["legend"]}
    assert legend["not_started"] == "NC" and legend["implemented"] == "MO"
    assert len(set(legend.values())) == len(legend)
    assert "non évalué" in text(response)


def test_stale_refusal_is_said_in_french(client, users):

    cell = cell_at(11, "DZ")
    version = cell.version_for(users.editor)
    assess(users.admin, cell, "implemented", "2013-01-01", rationale="First.")
    client.force_login(users.editor)
    response = client.post(
        reverse("cell", args=[cell.pk]),
        {
            "action": "record",
            "version": version,
            "level": "agreed",
            "effective_on": "2013-05-01",
            "effective_precision": "day",
            "rationale_en": "x",
        },
        **FRENCH,
    )
    assert response.status_code == 409
    assert "Rien n'a été enregistré" in text(response)


def test_every_message_of_the_catalogue_is_translated():
    po = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    missing = [
        m.id
        for m in catalogue
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.id, tuple) else m.string))
    ]
    assert missing == []
