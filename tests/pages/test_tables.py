"""Tables readers can sort and filter, with the state in the URL; names first,
codes beside; every score with its coverage and the one ranking rule; CSV
downloads with names, codes and a dated file name; the data dictionary."""

import csv
import datetime
import io
import re
import zipfile

import pytest
from django.utils import timezone

from countries.models import CountryPair
from measures.choices import SHEET_COLUMNS
from measures.reads import dictionary
from measures.reads.coverage import COVERED, LOW, UNSCORED, coverage, rank_group
from measures.reads.list_tables import TABLES as LIST_TABLES
from measures.reads.ordering import fold
from tests.api_helpers import client as api_client
from tests.pages.helpers import links

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
MAGHREB = ["MR", "MA", "TN", "DZ", "LY"]


def names(response, key="name"):
    return [r[key] for r in response.context["table"].rows]


def codes(response):
    return [r["iso2"] for r in response.context["table"].rows]


def table(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def filename(response):
    return re.fullmatch(r'attachment; filename="(.+)"', response["Content-Disposition"])[1]


@pytest.fixture
def reader(client, users):
    client.force_login(users.reader)
    return client


# --- order by name, in the reader's language ---------------------------------------


def test_countries_are_listed_by_name_not_by_code(reader):
    listed = names(reader.get("/countries/"))
    assert listed == sorted(listed, key=fold)
    assert listed.index("Algeria") < listed.index("Germany")  # "DZ" > "DE" no longer matters
    assert listed[0] == "Algeria"


def test_french_names_sort_with_their_accents_folded(reader):
    listed = names(reader.get("/countries/", **FRENCH))
    assert listed[0] == "Algérie" and "Allemagne" in listed
    # "Égypte" among the E's, "États-Unis" after "Espagne" — not after "Tunisie".
    e_names = [n for n in listed if fold(n).startswith("e")]
    assert e_names == ["Égypte", "Espagne", "États-Unis"]
    assert listed.index("Égypte") < listed.index("France") < listed.index("Tunisie")


def test_every_list_defaults_to_names(reader):
    initiatives = reader.get("/initiatives/").context["table"].rows
    shown = [fold(i.name_en) for i in initiatives]
    assert shown == sorted(shown)
    sources = [fold(s.title) for s in reader.get("/sources/").context["table"].rows]
    assert sources == sorted(sources)
    # The measures keep their numbers: Razoux's list is cited by number.
    assert [r["number"] for r in reader.get("/measures/").context["table"].rows] == list(
        range(1, 21)
    )


# --- sorting and filtering, state in the URL ----------------------------------------


def test_headers_are_links_that_carry_the_state_and_say_how_the_table_is_sorted(reader):
    body = reader.get("/countries/?q=a&sort=-score").content.decode()
    header = re.search(
        r'<th scope="col" aria-sort="descending"><a class="sort" href="([^"]+)"', body
    )
    assert header and header[1] == "?q=a&amp;sort=score#countries"  # a second click: ascending
    assert 'href="?q=a&amp;sort=name#countries">Country</a>' in body
    assert body.count("aria-sort=") == 1
    # The filter form keeps the sort; the CSV link keeps both.
    assert '<input type="hidden" name="sort" value="-score">' in body
    csv_links = [h for h in links(body) if "format=csv" in h]
    assert csv_links == ["?format=csv&q=a&sort=-score&table=countries"]


def test_a_filter_matches_names_in_either_language_codes_and_regions(reader):
    assert codes(reader.get("/countries/?q=alg")) == ["DZ"]
    assert codes(reader.get("/countries/?q=ALGÉRIE")) == ["DZ"]
    assert codes(reader.get("/countries/?q=egypte")) == ["EG"]
    assert codes(reader.get("/countries/?q=dza")) == ["DZ"]
    maghreb = codes(reader.get("/countries/?q=maghreb"))
    assert sorted(maghreb) == sorted(MAGHREB)
    page = reader.get("/countries/?q=zzz").content.decode()
    assert "No country matches." in page and "Showing 0 of 27." in page


def test_an_unknown_sort_falls_back_to_names(reader):
    assert names(reader.get("/countries/?sort=-password")) == names(reader.get("/countries/"))
    assert reader.get("/countries/?sort=" + "x" * 5000).status_code == 200


def test_the_csv_has_the_rows_in_the_order_and_filter_shown(reader):
    shown = codes(reader.get("/countries/?sort=-score&q=a"))
    rows = table(reader.get("/countries/?sort=-score&q=a&format=csv&table=countries"))
    assert [r[1] for r in rows[1:]] == shown


def test_other_tables_sort_and_filter(reader):
    by_date = reader.get("/sources/?sort=-date").context["table"].rows
    dates = [s.published_on for s in by_date if s.published_on]
    assert dates == sorted(dates, reverse=True)
    assert by_date[-1].published_on is None or all(s.published_on for s in by_date)
    initiatives = reader.get("/initiatives/?q=cemoc").context["table"].rows
    assert [i.slug for i in initiatives] == ["cemoc"]
    measures = reader.get("/measures/?q=hotline").context["table"].rows
    assert 13 in [m["number"] for m in measures]
    country = reader.get("/countries/DZ/?sort=-level").context["measures"].rows
    values = [m["value"] for m in country if m["value"] is not None]
    assert values == sorted(values, reverse=True)
    assert [m["value"] for m in country[len(values) :]] == [None] * (len(country) - len(values))


# --- coverage and the ranking rule ------------------------------------------------


def test_the_coverage_rule():
    assert coverage(1, 19) == {"rated": 1, "applicable": 20, "low_coverage": True}
    assert coverage(10, 10)["low_coverage"] is False
    assert coverage(0, 20)["low_coverage"] is False  # no score: nothing to flag
    assert rank_group(0.75, 1, 20) == LOW
    assert rank_group(0.1, 16, 20) == COVERED
    assert rank_group(None, 0, 20) == UNSCORED


def test_a_score_on_one_measure_of_twenty_is_ranked_after_the_well_covered(reader):
    """Jordan: 75 % with 1 of 20 rated; the Maghreb states 7–19 % with 13–16."""
    ranked = reader.get("/countries/?sort=-score")
    order = codes(ranked)
    assert order[:5] == MAGHREB
    assert order[5:8] == ["JO", "NE", "ML"]  # low coverage, by score among themselves
    jordan = next(r for r in ranked.context["table"].rows if r["iso2"] == "JO")
    assert (jordan["rated"], jordan["applicable"], jordan["low_coverage"]) == (1, 20, True)
    body = ranked.content.decode()
    row = body[body.index('href="/countries/JO/"') :]
    row = row[: row.index("</tr>")]
    assert "1/20 rated" in row and "low coverage" in row
    # Worst first: still the well-covered first, unscored last either way.
    worst = reader.get("/countries/?sort=score").context["table"].rows
    assert {r["iso2"] for r in worst[:5]} == set(MAGHREB)
    assert [r["score"] for r in worst[:5]] == sorted(r["score"] for r in worst[:5])
    worst = [r["iso2"] for r in worst]
    assert worst[5:8] == ["ML", "NE", "JO"]
    assert set(worst[8:]) == set(order[8:])


def test_scores_show_their_coverage_on_every_page(reader):
    assert "1/20 rated" in reader.get("/countries/JO/").content.decode()
    assert "16/20 rated" in reader.get("/countries/DZ/").content.decode()
    measures = reader.get("/measures/")
    assert all(m["applicable"] for m in measures.context["table"].rows)
    assert "/27 rated" in measures.content.decode()
    assert re.search(r"\d+/27 rated", reader.get("/measures/6/").content.decode())
    members = reader.get("/initiatives/5plus5/?sort=-score")
    assert re.search(r"\d+/\d+ rated", members.content.decode())
    rows = members.context["scores"].rows
    groups = [rank_group(r["score"], r["rated"], r["applicable"]) for r in rows]
    assert groups == sorted(groups)
    french = reader.get("/countries/JO/", **FRENCH).content.decode()
    assert "1/20 évaluées" in french and "couverture faible" in french


def test_how_scores_work_states_the_rule(client):
    body = client.get("/how-scores-work/").content.decode()
    assert 'id="coverage-title"' in body
    assert "fewer than 50 % of the measures that apply" in body


# --- the measure page's pairs ------------------------------------------------------


def test_each_pair_is_listed_once_with_both_names(reader):
    page = reader.get("/measures/13/")
    pairs = page.context["pairs"].rows
    keys = [(p["country"], p["partner"]) for p in pairs]
    assert len(keys) == len(set(keys)) == CountryPair.objects.count()
    assert all(a < b for a, b in keys)
    body = page.content.decode()
    assert "Algeria – Morocco" in body
    assert body.count('<span class="code">DZ–MA</span>') == 1
    # One row per country in the countries table.
    countries = [r["country"] for r in page.context["countries"].rows]
    assert len(countries) == len(set(countries))
    rows = table(reader.get("/measures/13/?format=csv&table=pairs"))
    assert rows[0] == [
        "name",
        "country",
        "partner_name",
        "partner",
        "level",
        "value",
        "effective_on",
        "evidence_count",
        "overdue",
    ]
    assert ["Algeria", "DZ", "Morocco", "MA"] in [r[:4] for r in rows]
    assert len(rows) == len(keys) + 1


def test_the_two_tables_of_a_measure_page_sort_apart(reader):
    page = reader.get("/measures/13/?sort=-code&pairs-sort=-pair&pairs-q=maroc", **FRENCH)
    countries = [r["country"] for r in page.context["countries"].rows]
    assert countries == sorted(countries, reverse=True)
    pairs = page.context["pairs"].rows
    assert pairs and all("MA" in (p["country"], p["partner"]) for p in pairs)
    labels = [fold(f"{p['name']} – {p['partner_name']}") for p in pairs]
    assert labels == sorted(labels, reverse=True)


# --- CSV: names and codes, dated file names ------------------------------------------


def test_csv_files_carry_names_and_codes_and_a_dated_name(reader):
    today = timezone.localdate().isoformat()
    listed = reader.get("/countries/?format=csv&table=countries")
    assert filename(listed) == f"cbm-countries-{today}.csv"
    rows = table(listed)
    assert rows[0] == [
        "name",
        "iso2",
        "iso3",
        "regions",
        "score",
        "rated",
        "applicable",
        "low_coverage",
    ]
    assert ["Jordan", "JO", "JOR", "Mashreq", "0.75", "1", "20", "yes"] in rows
    replay = reader.get("/countries/?as_of=2012-06-30&format=csv&table=countries")
    assert filename(replay) == "cbm-countries-2012-06-30.csv"
    pairs = reader.get("/measures/13/?format=csv&table=pairs&as_of=bad")
    assert filename(pairs) == f"cbm-measure-13-pairs-{today}.csv"
    french = table(reader.get("/countries/?format=csv&table=countries", **FRENCH))
    assert ["Égypte", "EG"] in [r[:2] for r in french]
    measures = table(reader.get("/measures/?format=csv&table=measures"))
    assert measures[0][:2] == ["number", "title"] and "applicable" in measures[0]
    scores = table(reader.get("/initiatives/5plus5/?format=csv&table=scores"))
    assert scores[0] == ["name", "country", "role", "score", "rated", "applicable", "low_coverage"]


def test_a_source_page_csv_names_evidence_by_public_id(reader):
    rows = table(reader.get("/sources/002/?format=csv&table=evidence"))
    assert rows[0][0] == "id"
    assert all(re.fullmatch(r"[0-9a-f-]{36}", r[0]) for r in rows[1:]), rows[1:3]


# --- the data dictionary ---------------------------------------------------------


CSV_PAGES = [
    "/",
    "/measures/",
    "/measures/13/",
    "/measures/20/",
    "/countries/",
    "/countries/DZ/",
    "/initiatives/",
    "/initiatives/cemoc/",
    "/sources/",
    "/sources/001/",
    "/data-quality/",
]
API_CSVS = [
    "/api/v1/scorecards/countries/?format=csv&compare_to=2011-01-01",
    "/api/v1/scorecards/countries/DZ/?format=csv",
    "/api/v1/scorecards/measures/13/?format=csv",
    "/api/v1/scorecards/initiatives/cemoc/?format=csv",
    "/api/v1/scorecards/matrix/?format=csv",
    # Every REST list (measures/reads/list_tables.py).
    *(f"/api/v1/{name}/?format=csv" for name in LIST_TABLES),
]


def every_csv_header(client, users):
    """The header row of every CSV a person can download, by where it came from."""
    client.force_login(users.analyst)
    headers = {}
    for url in CSV_PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        for href in [h for h in links(page.content.decode()) if "format=csv" in h]:
            headers[url + href] = table(client.get(url + href.replace("&amp;", "&")))[0]
    api = api_client(users.analyst)
    for url in API_CSVS:
        response = api.get(url)
        assert response.status_code == 200, url
        headers[url] = next(csv.reader(io.StringIO(response.content.decode())))
    headers["cells sheet"] = list(SHEET_COLUMNS)
    # The data package's tables (its dictionary and code list describe themselves).
    package = zipfile.ZipFile(io.BytesIO(api.get("/api/v1/package/").content))
    for name in sorted(set(package.namelist()) - {"data-dictionary.csv", "codes.csv"}):
        if name.endswith(".csv"):
            headers[f"package {name}"] = next(csv.reader(io.StringIO(package.read(name).decode())))
    return headers


def test_the_data_dictionary_describes_every_column_of_every_csv(client, users):
    headers = every_csv_header(client, users)
    assert len(headers) >= 30
    missing = {
        f"{where}: {column}"
        for where, columns in headers.items()
        for column in columns
        if dictionary.describe(column) is None
    }
    assert missing == set()
    # And describes nothing that no CSV has (it would mislead).
    used = {
        "measure_<n>" if re.fullmatch(r"measure_\d+", c) else c
        for columns in headers.values()
        for c in columns
    }
    assert set(dictionary.COLUMNS) - used == set()


def test_the_data_dictionary_page_lists_columns_and_codes_and_every_csv_links_to_it(client, users):
    page = client.get("/data-dictionary/").content.decode()
    for name in dictionary.COLUMNS:
        assert f"<code>{name.replace('<', '&lt;').replace('>', '&gt;')}</code>" in page, name
    for code in ["not_started", "no_evidence", "mixed", "bilateral", "confidential", "year"]:
        assert f"<code>{code}</code>" in page, code
    assert client.get("/data-dictionary/", **FRENCH).content.decode().count("Dictionnaire") >= 1
    client.force_login(users.reader)
    body = client.get("/countries/").content.decode()
    assert 'href="/data-dictionary/"' in body


def test_dates_are_per_day_in_file_names_not_per_request(reader):
    """The name names the day the data describes; two downloads the same day agree."""
    first = filename(reader.get("/measures/?format=csv&table=measures"))
    second = filename(reader.get("/measures/?format=csv&table=measures"))
    assert first == second
    assert datetime.date.fromisoformat(first.removesuffix(".csv")[-10:])
