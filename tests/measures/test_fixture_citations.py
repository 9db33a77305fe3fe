"""Every fixture row cites a source at a locator: a seed, or an outside public
document listed in sources.yaml with its publisher and grade."""

import re

from django.conf import settings

from measures.seeding import read_fixtures
from measures.seeding.citations import SEEDS, audit, table

FIXTURES = settings.BASE_DIR / "fixtures"


def test_every_fixture_row_cites_a_known_source_at_a_locator():
    report = audit(FIXTURES)
    uncited = {name: c["uncited"] for name, c in report.items() if c["uncited"]}
    assert not uncited
    _text, share = table(report)
    assert share >= 98


def test_outside_sources_name_their_publisher_a_date_or_url_and_a_grade():
    for source in read_fixtures(FIXTURES)["sources"]:
        if str(source["key"]) in SEEDS:
            continue
        assert source["publisher"], source["key"]
        assert source.get("url") or source.get("published_on"), source["key"]
        assert re.fullmatch(r"[A-F][1-6]", str(source.get("reliability", ""))), source["key"]
        assert f"Reliability {source['reliability']}" in source["description"], source["key"]


def test_no_fixture_row_leans_on_uncited_public_record():
    # The phrase the first cut used for facts it cited to nothing.
    for path in FIXTURES.glob("*.yaml"):
        assert "public record" not in path.read_text(encoding="utf-8"), path.name


def test_every_membership_in_the_fixtures_has_a_start():
    for initiative in read_fixtures(FIXTURES)["initiatives"]:
        for membership in initiative.get("memberships") or ():
            assert membership.get("start"), (initiative["slug"], membership["country"])
