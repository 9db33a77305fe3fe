"""The database itself refuses impossible cells and assessments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from countries.models import Country, CountryPair
from measures.models import Assessment, Cell, Measure
from measures.services import system_actor
from tests.factories import cell_at, marking

pytestmark = pytest.mark.django_db


def raw_cell(number, country, partner=None, scope=None):
    measure = Measure.objects.get(number=number)
    return Cell(
        measure=measure, scope=scope or measure.scope, country_id=country, partner_id=partner
    )


def test_database_rejects_a_duplicate_national_cell():
    cell_at(17, "DZ")
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(17, "DZ").save()


def test_database_rejects_a_duplicate_pair_cell():
    cell_at(14, "DZ", "MA")
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(14, "DZ", "MA").save()


def test_database_rejects_a_self_pair():
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(14, "DZ", "DZ").save()


def test_database_rejects_a_pair_out_of_canonical_order():
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(14, "MA", "DZ").save()


def test_database_rejects_a_partner_on_a_non_bilateral_measure():
    assert Measure.objects.get(number=17).scope == "regional"
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(17, "DZ", "MA").save()
    # The cell's copy of the scope always comes from its measure.
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_cell(17, "DZ", "MA", scope="bilateral").save()


def test_a_measure_with_cells_cannot_change_scope():
    cell_at(17, "DZ")
    measure = Measure.objects.get(number=17)
    measure.scope = "bilateral"
    with pytest.raises(ValidationError, match="already has cells"):
        measure.full_clean()


def test_validation_explains_a_bad_pair():
    with pytest.raises(ValidationError) as excinfo:
        raw_cell(17, "DZ", "MA").full_clean()
    assert "not bilateral" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        raw_cell(14, "DZ", "DZ").full_clean()
    assert "own partner" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        raw_cell(14, "DZ", "FR").full_clean()
    assert "not a tracked pair" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        raw_cell(14, "DZ").full_clean()
    assert "bilateral" in str(excinfo.value)


def test_validation_puts_a_pair_given_backwards_in_canonical_order():
    cell = raw_cell(14, "MA", "DZ")
    cell.full_clean(validate_constraints=False, validate_unique=False)
    assert (cell.country_id, cell.partner_id) == ("DZ", "MA")


def test_every_country_and_tracked_pair_has_a_cell_for_every_measure():
    assert not Cell.objects.filter(measure__number=14, partner__isnull=True).exists()
    assert Cell.objects.filter(measure__number=14).count() == CountryPair.objects.count()
    assert Cell.objects.filter(measure__number=17).count() == Country.objects.count()


def test_database_rejects_an_assessment_level_outside_the_scale():
    cell = cell_at(17, "DZ")
    bad = Assessment(
        cell=cell,
        level="no_evidence",
        effective_on=datetime.date(2012, 1, 1),
        recorded_by=system_actor(),
        revision=1,
        rationale_en="x",
        marking=marking("public"),
    )
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_database_rejects_a_neighbour_pair_against_itself_or_reversed():
    dz, ma = Country.objects.get(pk="DZ"), Country.objects.get(pk="MA")
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryPair.objects.create(country=ma, partner=dz)
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryPair.objects.create(country=dz, partner=dz)
