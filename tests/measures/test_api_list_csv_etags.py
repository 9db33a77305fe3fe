"""Every REST list like the scorecards: an ETag and 304 on If-None-Match, and
CSV (``Accept: text/csv`` or ``?format=csv``) with the JSON page's rows,
codes and names side by side, a dated file name and a Link to the next page;
errors stay JSON. One world per test, the lists looped inside."""

import csv
import datetime
import io

import pytest
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator

from countries.models import Country
from digests import services as digest_services
from measures import services
from measures.reads.labels import level_label
from measures.reads.list_tables import TABLES
from tests.api_helpers import assert_error, client
from tests.factories import assess, cell_at, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = datetime.date
CSV = {"HTTP_ACCEPT": "text/csv"}

# What names a row in the JSON and in the CSV (its first column).
IDS = {
    "countries": "iso2",
    "initiatives": "slug",
    "measures": "number",
    "sources": "key",
    "cells": "id",
    "assessments": "id",
    "evidence": "id",
    "indicators": "slug",
    "replies": "id",
    "proposals": "id",
    "subscriptions": "id",
}


def rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def filename(response):
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


@pytest.fixture
def busy_editor(users):
    """An editor with something in every list: a subscription, a proposal of
    their own, and a reply to an assessment they may see."""
    editor = users.editor
    digest_services.subscribe(editor, countries=["DZ"], language="en")
    cell = cell_at(11, "DZ")
    services.submit_assessment(
        editor,
        cell,
        level="implemented",
        effective_on=D(2020, 1, 1),
        effective_precision="day",
        expected_version=cell.version_for(editor),
        rationale_en="Seen at the border.",
    )
    answered = assess(editor, cell_at(11, "MA"), "partial", D(2013, 2, 1), rationale="Half.")
    liaison = make_user("liaison_ma", role="respondent", clearance="restricted", countries=["MA"])
    services.reply_to_assessment(liaison, answered, text_en="We disagree.", text_fr="Non.")
    return editor


def test_every_list_answers_an_etag_a_304_and_the_same_rows_in_csv_both_ways(busy_editor):
    api = client(busy_editor)
    today = timezone.localdate().isoformat()
    for name, table in TABLES.items():
        path = f"{API}/{name}/?page_size=5"
        json = api.get(path)
        assert json.status_code == 200, name
        etag = json["ETag"]
        assert {"Authorization", "Cookie", "Accept-Encoding"} <= {
            v.strip() for v in json["Vary"].split(",")
        }
        again = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag), name

        by_format = api.get(f"{path}&format=csv")
        by_accept = api.get(path, **CSV)
        assert by_format.content == by_accept.content, name
        for response in (by_format, by_accept):
            assert response.status_code == 200, name
            assert response["Content-Type"] == "text/csv; charset=utf-8"
            assert filename(response) == f"cbm-{name}-{today}.csv"
            assert response["ETag"] not in (etag, None)  # another representation
            assert api.get(path, HTTP_IF_NONE_MATCH=etag, **CSV).status_code == 200
        header, *lines = rows(by_format)
        assert header == list(table.columns), name
        ids = [str(r[IDS[name]]) for r in json.json()["results"]]
        assert ids and list(dict.fromkeys(line[0] for line in lines)) == ids, name
        assert ("next" in by_format.get("Link", "")) == (json.json()["next"] is not None)


def test_codes_and_names_side_by_side_in_the_readers_language(users):
    api = client(users.analyst)
    names = {c.iso2: (c.name_en, c.name_fr) for c in Country.objects.all()}
    etags = {}
    for language, index in (("en", 0), ("fr", 1)):
        response = api.get(f"{API}/cells/?country=MA&format=csv", HTTP_ACCEPT_LANGUAGE=language)
        assert "Accept-Language" in response["Vary"]
        etags[language] = response["ETag"]
        header, *lines = rows(response)
        cells = [dict(zip(header, line, strict=True)) for line in lines]
        assert cells and all(c["country_name"] == names[c["country"]][index] for c in cells)
        assert all(
            not c["partner"] or c["partner_name"] == names[c["partner"]][index] for c in cells
        )
        with translation.override(language):
            labels = {c["level"]: str(level_label(c["level"])) for c in cells}
        assert all(c["level_label"] == labels[c["level"]] for c in cells)
        assert len(labels) > 1 and all(c["measure_title"] for c in cells)
    # Each language is its own representation: the English ETag gets no 304 in French.
    assert etags["en"] != etags["fr"]
    french = api.get(
        f"{API}/cells/?country=MA&format=csv",
        HTTP_ACCEPT_LANGUAGE="fr",
        HTTP_IF_NONE_MATCH=etags["en"],
    )
    assert french.status_code == 200
    # A marking reads as its label.
    header, *lines = rows(api.get(f"{API}/sources/?format=csv"))
    markings = {dict(zip(header, line, strict=True))["marking"] for line in lines}
    assert "PUBLIC" in markings and any(
        m.startswith("CONFIDENTIAL — releasable to") for m in markings
    )


def test_csv_pages_like_the_json_with_a_link_to_the_next_and_previous(users):
    api = client(users.analyst)
    json = api.get(f"{API}/cells/?page_size=100&page=2").json()
    response = api.get(f"{API}/cells/?page_size=100&page=2&format=csv")
    assert filename(response).startswith("cbm-cells-page-2-")
    assert [line[0] for line in rows(response)[1:]] == [str(c["id"]) for c in json["results"]]
    links = dict(
        (part.split('rel="')[1].rstrip('"'), part.split(">")[0].lstrip(" <"))
        for part in response["Link"].split(",")
    )
    assert links["next"].endswith("format=csv&page=3&page_size=100")
    assert "page=" not in links["prev"] or "page=1&" in links["prev"]
    # Asked by the Accept header, the links need no format: the header goes on.
    assert "format" not in api.get(f"{API}/cells/?page_size=100&page=2", **CSV)["Link"]
    # As of a date, the file is named for that date (where the list replays history).
    dated = api.get(f"{API}/cells/?as_of=2011-06-30&format=csv")
    assert filename(dated) == "cbm-cells-2011-06-30.csv"
    today = timezone.localdate().isoformat()
    assert filename(api.get(f"{API}/sources/?as_of=2011-06-30&format=csv")).endswith(today + ".csv")
    # The deprecated path of the cells keeps its pages' links beside its successor's.
    old = api.get(f"{API}/statuses/?page_size=100&format=csv")["Link"]
    assert 'rel="successor-version"' in old and "page=2" in old and 'rel="next"' in old


def test_errors_stay_json_and_unknown_formats_are_refused(users):
    api = client(users.analyst)
    assert_error(api.get(f"{API}/cells/?format=csv&as_of=soon"), 400, "as_of")
    assert_error(api.get(f"{API}/cells/?as_of=soon", **CSV), 400, "as_of")
    assert_error(api.get(f"{API}/cells/?format=csv&page=999"), 404)
    assert_error(api.get(f"{API}/cells/?format=csv&page=first"), 400, "page")
    assert_error(api.get(f"{API}/measures/?format=xml"), 400, "format")
    assert_error(api.get(f"{API}/measures/", HTTP_ACCEPT="application/xml"), 406)
    # A single row has no CSV: refused as an unknown format, or as not acceptable.
    assert_error(api.get(f"{API}/measures/6/?format=csv"), 400, "format")
    assert_error(api.get(f"{API}/measures/6/", **CSV), 406)
    assert_error(client().get(f"{API}/cells/?format=csv"), 401)
    # A method the list does not take is a 405, whatever the format asked.
    assert_error(api.generic("TRACE", f"{API}/cells/?format=csv"), 405)
    assert_error(api.delete(f"{API}/measures/?format=csv"), 405)


def test_own_lists_move_with_the_callers_writes_and_no_one_elses(users):
    """Subscriptions and proposals move no audience's revision: their ETags
    follow the caller's own rows."""
    reader, other = users.reader, users.restricted_reader
    api = client(reader)

    def etag(path):
        return api.get(f"{API}/{path}/")["ETag"]

    first = etag("subscriptions")
    digest_services.subscribe(other, language="fr")
    assert etag("subscriptions") == first
    subscription = digest_services.subscribe(reader, language="en")
    second = etag("subscriptions")
    assert second != first
    digest_services.update_subscription(
        reader, subscription, expected_version=subscription.version, countries=["MA"]
    )
    assert etag("subscriptions") not in (first, second)

    editor = client(users.editor)
    before = editor.get(f"{API}/proposals/")["ETag"]
    cell = cell_at(11, "DZ")
    proposal = services.submit_assessment(
        users.editor,
        cell,
        level="implemented",
        effective_on=D(2020, 1, 1),
        effective_precision="day",
        expected_version=cell.version_for(users.editor),
        rationale_en="Seen.",
    )
    proposed = editor.get(f"{API}/proposals/")["ETag"]
    assert proposed != before
    # Someone else's proposal the editor may not see (a cell outside their scope).
    tunisian = make_user("editor_tn", role="editor", clearance="public", countries=["TN"])
    tn_cell = cell_at(11, "TN")
    services.submit_assessment(
        tunisian,
        tn_cell,
        level="implemented",
        effective_on=D(2020, 1, 1),
        effective_precision="day",
        expected_version=tn_cell.version_for(tunisian),
        rationale_en="Seen.",
    )
    assert editor.get(f"{API}/proposals/", HTTP_IF_NONE_MATCH=proposed).status_code == 304
    services.withdraw_proposal(users.editor, proposal, expected_version=proposal.version)
    assert editor.get(f"{API}/proposals/", HTTP_IF_NONE_MATCH=proposed).status_code == 200


def test_an_unchanged_list_costs_one_query(users, django_assert_num_queries):
    api = client(users.analyst)
    etag = api.get(f"{API}/cells/")["ETag"]
    with django_assert_num_queries(1):  # the caller's latest revision
        assert api.get(f"{API}/cells/", HTTP_IF_NONE_MATCH=etag).status_code == 304


# A list outside the rule: the caller's week depends on their last visit to the
# page, not only on the data (no ETag either: measures/api/week.py).
NOT_TABLES = {
    f"{API}/week/",
    # Credentials: never cached, never exported (Cache-Control: no-store).
    f"{API}/tokens/",
    # A client's own settings and their log, not the tracker's data: JSON only.
    f"{API}/webhooks/",
    f"{API}/webhooks/{{id}}/deliveries/",
}


def test_the_schema_describes_each_lists_csv_with_its_columns():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # Every paged list is one of the tables (a new list needs its ListTable).
    paged = {
        path
        for path, operations in schema["paths"].items()
        if "Paginated"
        in str(operations.get("get", {}).get("responses", {}).get("200", {}).get("content"))
    }
    tables = {f"{API}/{name}/" for name in TABLES} | {f"{API}/statuses/"}
    assert paged - NOT_TABLES == tables
    for name, table in TABLES.items():
        operation = schema["paths"][f"{API}/{name}/"]["get"]
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, name
        assert ", ".join(table.columns) in content["text/csv"]["schema"]["description"]
        assert content["text/csv"]["example"].startswith(",".join(table.columns))
        assert set(operation["responses"]["400"]["content"]) == {"application/json"}, name
        formats = [p for p in operation["parameters"] if p["name"] == "format"]
        assert formats and sorted(formats[0]["schema"]["enum"]) == ["csv", "json"], name
