"""Citable data packages: one zip per viewer and date, from the API and a page."""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path
from drf_spectacular.generators import SchemaGenerator

from measures.api.packages import PackageView
from measures.reads import dictionary, packages
from tests.api_helpers import assert_error, client, url
from tests.factories import assess, cell_at, marking

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.date.today()
SITE = settings.CBM_SITE_URL.rstrip("/")
FILES = {
    "CITATION.txt",
    "codes.csv",
    "countries.csv",
    "data-dictionary.csv",
    "datapackage.json",
    "evidence.csv",
    "initiatives.csv",
    "matrix.csv",
    "measures.csv",
    "memberships.csv",
}
# Table Schema v1's types, and what a cell of each must look like.
CELL = {
    "integer": re.compile(r"-?\d+"),
    "number": re.compile(r"-?\d+(\.\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "boolean": re.compile(r"yes|no"),
    "string": re.compile(r".*", re.S),
}


def unzip(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}, archive


def table(files, name):
    return list(csv.reader(io.StringIO(files[name].decode())))


def check_frictionless(files):
    """The rules of Data Package v1 (tabular) and Table Schema v1 this package
    relies on, checked against the files themselves."""
    descriptor = json.loads(files["datapackage.json"])
    assert descriptor["profile"] == "tabular-data-package"
    assert re.fullmatch(r"[a-z0-9._-]+", descriptor["name"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", descriptor["created"])
    assert "licenses" not in descriptor  # the seeds state none
    assert descriptor["sources"] and all(s["title"] for s in descriptor["sources"])
    names = [r["name"] for r in descriptor["resources"]]
    assert len(set(names)) == len(names)
    for res in descriptor["resources"]:
        assert re.fullmatch(r"[a-z0-9._-]+", res["name"])
        assert (res["format"], res["mediatype"], res["encoding"]) == ("csv", "text/csv", "utf-8")
        assert res["profile"] == "tabular-data-resource"
        header, *rows = table(files, res["path"])
        fields = res["schema"]["fields"]
        assert header == [f["name"] for f in fields], res["path"]
        for position, spec in enumerate(fields):
            assert spec["description"], spec
            assert dictionary.describe(spec["name"]) or spec["name"] in packages.DICTIONARY_FIELDS
            allowed = spec.get("constraints", {}).get("enum")
            for row in rows:
                value = row[position]
                if value == "":  # Table Schema's default missing value
                    continue
                assert CELL[spec["type"]].fullmatch(value), (res["path"], spec["name"], value)
                assert allowed is None or value in allowed, (res["path"], spec["name"], value)
        key = res["schema"].get("primaryKey")
        if key:
            assert set(key) <= set(header)
            keyed = [tuple(row[header.index(k)] for k in key) for row in rows]
            assert len(set(keyed)) == len(keyed), res["path"]
    return descriptor


def test_a_package_is_a_valid_tabular_data_package_with_names_codes_and_a_citation(users):
    response = client(users.moroccan_analyst).get(url("package/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="cbm-tracker-{TODAY.isoformat()}.zip"'
    )
    assert response["ETag"].startswith('"') and response["Vary"].startswith("Authorization")
    files, archive = unzip(response.content)
    assert set(files) == FILES
    assert {info.date_time for info in archive.infolist()} == {(*TODAY.timetuple()[:3], 0, 0, 0)}
    descriptor = check_frictionless(files)
    assert {r["path"] for r in descriptor["resources"]} | {"datapackage.json", "CITATION.txt"} == (
        FILES
    )

    # Names beside codes; both languages' titles; twenty measures.
    countries = {row[0]: row for row in table(files, "countries.csv")[1:]}
    assert countries["MA"][1] == "Morocco"
    matrix = {row[0]: row for row in table(files, "matrix.csv")[1:]}
    assert matrix["DZ"][1] == "Algeria" and len(matrix["DZ"]) == 3 + 20
    measures = table(files, "measures.csv")
    assert measures[0] == ["number", "title_en", "title_fr", "domain", "scope"]
    assert [row[0] for row in measures[1:]] == [str(n) for n in range(1, 21)]
    assert all(row[2] for row in measures[1:])
    memberships = table(files, "memberships.csv")
    assert any(row[0] == "5plus5" and row[1] == "MA" for row in memberships[1:])

    # The citation: date, opaque version, the ceiling of what went in, the page.
    citation = descriptor["citation"]
    version = descriptor["version"]
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    assert citation == (
        f"CBM Tracker, data as of {TODAY.isoformat()}, version {version}, "
        f"marking ceiling CONFIDENTIAL//REL MA, NATO, {SITE}/data/package/"
    )
    assert files["CITATION.txt"].decode().startswith(citation + "\n")
    assert descriptor["marking"] == "CONFIDENTIAL//REL MA, NATO"


def test_the_same_state_gives_the_same_bytes_in_any_language_and_a_304(users):
    api = client(users.reader)
    first = api.get(url("package/"))
    again = api.get(url("package/"), HTTP_ACCEPT_LANGUAGE="fr")
    assert again.content == first.content
    assert api.get(url("package/"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # The page's download is the same file; the page shows its citation.
    browser = Client()
    browser.force_login(users.reader)
    download = browser.get("/data/package/download/", HTTP_ACCEPT_LANGUAGE="fr")
    assert download["Content-Type"] == "application/zip"
    assert download.content == first.content
    files, _archive = unzip(first.content)
    descriptor = json.loads(files["datapackage.json"])
    assert descriptor["marking"] == "PUBLIC"  # a public reader's package holds public rows only
    page = browser.get("/data/package/")
    assert page.status_code == 200
    assert descriptor["citation"] in page.content.decode()
    assert 'href="/data/package/download/"' in page.content.decode()
    assert 'href="/data/package/"' in browser.get("/data-dictionary/").content.decode()


def test_the_version_moves_after_a_visible_write_and_not_otherwise(users):
    api = client(users.reader)
    before = api.get(url("package/"))
    files, _archive = unzip(before.content)
    version = json.loads(files["datapackage.json"])["version"]
    assert version == packages.package_version(users.reader)
    assert packages.package_version(users.restricted_reader) != version  # another audience

    cell = cell_at(17, "DZ")
    assess(users.editor, cell, "implemented", D(2020, 1, 1), marking=marking("public"))

    after = api.get(url("package/"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    moved, _archive = unzip(after.content)
    assert json.loads(moved["datapackage.json"])["version"] != version
    dz = next(row for row in table(moved, "matrix.csv") if row[0] == "DZ")
    assert dz[table(moved, "matrix.csv")[0].index("measure_17")] == "implemented"


def test_a_write_landing_while_a_package_is_read_makes_it_read_again(users, monkeypatch):
    """One version names one content: a visible write committed after the
    version was read and before the tables were (made to land there by
    writing on the first read of the tables) makes the package read again."""
    read_tables, writes = packages.tables, []

    def tables_meanwhile_written(user, as_of=None):
        if not writes:
            cell = cell_at(17, "DZ")
            writes.append(assess(users.editor, cell, "implemented", D(2020, 1, 1)))
        return read_tables(user, as_of)

    monkeypatch.setattr(packages, "tables", tables_meanwhile_written)
    package = packages.build_package(users.reader)

    assert package.citation.version == packages.package_version(users.reader)
    files, _archive = unzip(package.content)
    assert json.loads(files["datapackage.json"])["version"] == package.citation.version
    header, *rows = table(files, "matrix.csv")
    dz = next(row for row in rows if row[0] == "DZ")
    assert dz[header.index("measure_17")] == "implemented"


def test_as_of_gives_the_data_of_that_date_and_a_bad_date_is_a_400(users, settings):
    api = client(users.reader)
    old = api.get(url("package/"), {"as_of": "2005-01-01"})
    assert old.status_code == 200
    assert old["Content-Disposition"] == (
        f'attachment; filename="cbm-tracker-{TODAY.isoformat()}-as-of-2005-01-01.zip"'
    )
    files, _archive = unzip(old.content)
    descriptor = check_frictionless(files)
    assert descriptor["as_of"] == "2005-01-01"
    assert descriptor["citation"].startswith(
        f"CBM Tracker, data as of 2005-01-01 (package of {TODAY.isoformat()}), version "
    )
    assert descriptor["citation"].endswith(f"{SITE}/data/package/?as_of=2005-01-01")
    now, _archive = unzip(api.get(url("package/")).content)
    assert table(files, "matrix.csv") != table(now, "matrix.csv")  # history replayed
    assert all(
        row[3] in ("", "2005-01-01") or row[3] <= "2005-01-01"
        for row in table(files, "memberships.csv")[1:]
    )

    assert_error(api.get(url("package/"), {"as_of": "yesterday"}), 400, "as_of")
    settings.CBM_PUBLIC_READ = False
    assert_error(client().get(url("package/")), 401)
    assert Client().get("/data/package/").status_code == 302  # to the login page


def test_the_ceiling_is_the_highest_level_and_every_list_that_binds():
    public, restricted = marking("public"), marking("restricted")
    both, morocco, france = (
        marking("confidential", "MA", "nato"),
        marking("confidential", "MA"),
        marking("restricted", "FR"),
    )
    assert packages.ceiling([]) == "PUBLIC"
    assert packages.ceiling([public, restricted]) == "RESTRICTED"
    assert packages.ceiling([public, both]) == "CONFIDENTIAL//REL MA, NATO"
    # Whoever may see Morocco's rows may see those for Morocco and NATO too.
    assert packages.ceiling([both, morocco]) == "CONFIDENTIAL//REL MA"
    assert packages.ceiling([morocco, france]) == "CONFIDENTIAL//REL FR//REL MA"


def test_the_schema_describes_the_zip():
    # Only this operation: the whole schema is generated by tests/measures/test_api_schema.py.
    generator = SchemaGenerator(patterns=[path("api/v1/package/", PackageView.as_view())])
    operation = generator.get_schema(request=None, public=True)["paths"]["/api/v1/package/"]["get"]
    assert operation["operationId"] == "data_package"
    assert set(operation["responses"]["200"]["content"]) == {"application/zip"}
    for status in ["400", "401", "404", "429"]:
        assert set(operation["responses"][status]["content"]) == {"application/json"}
