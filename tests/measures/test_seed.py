"""`manage.py seed` loads the source documents' facts, idempotently."""

import shutil
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from countries.models import Country, CountryPair, Initiative, Membership
from measures.audit.revisions import latest_revision
from measures.models import Assessment, ChangeRecord, Evidence, Indicator, Measure, Source

pytestmark = pytest.mark.django_db

FIXTURES = settings.BASE_DIR / "fixtures"


def row_counts():
    return {
        model._meta.label: model._base_manager.count()
        for app in ("countries", "measures")
        for model in apps.get_app_config(app).get_models()
    }


def test_seeding_twice_changes_nothing():
    # The test database was seeded once already (tests/conftest.py).
    counts, revision = row_counts(), latest_revision()
    out = StringIO()
    call_command("seed", stdout=out)
    assert row_counts() == counts
    assert latest_revision() == revision
    assert "nothing written" in out.getvalue()


def test_the_seed_holds_what_the_sources_say():
    assert list(Measure.objects.values_list("number", flat=True)) == list(range(1, 21))
    trade = Measure.objects.get(number=20)
    assert (float(trade.baseline_value), float(trade.target_value)) == (2.5, 10.0)
    assert Measure.objects.filter(scope="bilateral").count() == 6
    assert Country.objects.count() >= 25
    assert set(Country.objects.get(pk="MR").regions.values_list("code", flat=True)) >= {
        "maghreb",
        "sahel",
    }
    assert Initiative.objects.count() >= 15
    assert CountryPair.objects.count() >= 22
    assert Evidence.objects.count() >= 30
    assert Assessment.objects.count() >= 30
    assert Indicator.objects.filter(observations__isnull=False).distinct().count() >= 3
    keys = set(Source.objects.values_list("key", flat=True))
    assert {"000", "001", "002", "003", "004"} <= keys  # the five seeds
    # and the outside documents cited for facts the seeds do not give
    assert (
        not Source.objects.exclude(key__in=["000", "001", "002", "003", "004"])
        .filter(publisher="")
        .exists()
    )
    assert Source.objects.get(key="001").marking.key == "confidential:MA,nato"


def test_dated_memberships_answer_who_was_in_cemoc_on_a_date():
    cemoc = Membership.objects.filter(initiative__slug="cemoc").exclude(role="excluded")
    on_2012 = set(cemoc.active_on("2012-06-30").values_list("country", flat=True))
    assert on_2012 >= {"DZ", "ML", "MR", "NE"}
    assert not cemoc.active_on("2009-12-31").exists()


def test_every_seeded_row_cites_its_source():
    for model in (Country, Initiative, Membership, CountryPair, Measure, Indicator):
        uncited = model.objects.filter(cite_source__isnull=True)
        assert not uncited.exists(), f"{model.__name__} without a source: {list(uncited)[:3]}"
    assert not Evidence.objects.filter(locator="").exists()
    assert not Assessment.objects.filter(evidence__isnull=True).exists()


def test_evidence_from_the_cable_is_never_marked_below_it():
    for item in Evidence.objects.select_related("marking", "source__marking"):
        assert item.marking.covers(item.source.marking), item


def test_the_seed_is_one_audited_revision():
    seeded = ChangeRecord.objects.filter(actor_username="system")
    assert seeded.values("revision").distinct().count() == 1
    assert seeded.filter(content_type__model="evidence").count() == Evidence.objects.count()


@pytest.fixture
def broken_fixtures(tmp_path):
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.mark.parametrize(
    ("file", "find", "replace", "message"),
    [
        ("countries.yaml", "iso3: DZA", "iso3: dz", "countries.yaml, entry DZ"),
        ("evidence.yaml", 'source: "002"', 'source: "999"', "unknown source"),
        ("pairs.yaml", "pair: [DZ, MA]", "pair: [MA, DZ]", "canonical"),
        ("measures.yaml", "scope: bilateral", "scope: sideways", "measures.yaml, entry"),
        ("regions.yaml", "- {code: sahel", "- {code: [sahel", "not valid YAML"),
    ],
)
def test_bad_seed_data_gives_one_clear_line_and_writes_nothing(
    broken_fixtures, file, find, replace, message
):
    path = broken_fixtures / file
    text = path.read_text()
    assert find in text
    path.write_text(text.replace(find, replace, 1))
    Country.objects.filter(pk="DZ").update(name_fr="(changed)")  # something for seed to fix
    counts, revision = row_counts(), latest_revision()
    with pytest.raises(CommandError) as excinfo:
        call_command("seed", fixtures=str(broken_fixtures))
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert row_counts() == counts and latest_revision() == revision
    assert Country.objects.get(pk="DZ").name_fr == "(changed)"


def test_a_missing_fixtures_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such fixtures directory"):
        call_command("seed", fixtures=str(tmp_path / "nowhere"))
