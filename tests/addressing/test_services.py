import itertools

import pytest
from django.contrib.gis.geos import Polygon
from django.db import IntegrityError, transaction

from addressing.models import Building
from addressing.services import (
    building_numbering_apply,
    building_numbering_preview,
    building_retire,
    postal_zone_create,
    postcodes_assign,
)
from core.errors import InvalidInput
from tests.factories import TOWN_BOX, buildings_beside


def numbers(street) -> dict[str, list[str]]:
    found = {"left": [], "right": []}
    for building in street.buildings.filter(status="active").order_by("position"):
        found[building.side].append(building.house_number)
    return found


def test_odd_numbers_left_even_right_increasing_from_the_start(irsal):
    buildings_beside(street=irsal, fractions_left=(0.7, 0.1, 0.4), fractions_right=(0.2, 0.9))
    building_numbering_apply(street=irsal)
    assert numbers(irsal) == {"left": ["1", "3", "5"], "right": ["2", "4"]}


def test_a_preview_changes_nothing(irsal):
    buildings_beside(street=irsal, fractions_left=(0.1, 0.5))
    plan = building_numbering_preview(street=irsal)
    assert [(c.old, c.new) for c in plan] == [("", "1"), ("", "3")]
    assert not Building.objects.filter(number__isnull=False).exists()


def test_existing_numbers_are_kept_and_a_new_building_fits_between(irsal):
    buildings_beside(street=irsal, fractions_left=(0.1, 0.3, 0.5))
    building_numbering_apply(street=irsal)
    buildings_beside(street=irsal, fractions_left=(0.2, 0.9))
    building_numbering_apply(street=irsal)
    # 1, 3, 5 stay; the building between 1 and 3 has no odd number left: it becomes 1A.
    assert numbers(irsal)["left"] == ["1", "1A", "3", "5", "7"]


def test_a_gap_in_the_numbers_is_used_in_order(irsal):
    first, second = buildings_beside(street=irsal, fractions_left=(0.1, 0.5))
    Building.objects.filter(pk=first.pk).update(number=1)
    Building.objects.filter(pk=second.pk).update(number=9)
    buildings_beside(street=irsal, fractions_left=(0.3,))
    building_numbering_apply(street=irsal)
    assert numbers(irsal)["left"] == ["1", "3", "9"]


def test_renumbering_starts_again_from_the_street_start(irsal):
    buildings_beside(street=irsal, fractions_left=(0.1, 0.3, 0.5))
    building_numbering_apply(street=irsal)
    buildings_beside(street=irsal, fractions_left=(0.2,))
    building_numbering_apply(street=irsal)
    plan = building_numbering_apply(street=irsal, renumber=True)
    assert numbers(irsal)["left"] == ["1", "3", "5", "7"]
    assert [c.new for c in plan if c.changed] == ["3", "5", "7"]


def test_postcodes_follow_the_walking_order_with_room_between(irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.1, 0.5, 0.9), fractions_right=(0.3, 0.7))
    issued = postcodes_assign(zone=zone)
    assert all(i.in_walking_order for i in issued)
    by_position = [b.postcode for b in irsal.buildings.order_by("position")]
    assert by_position == sorted(by_position)
    assert all(code.startswith("P600") for code in by_position)
    points = [b.delivery_point for b in irsal.buildings.order_by("position")]
    assert min(b - a for a, b in itertools.pairwise(points)) > 1000


def test_a_new_building_gets_a_code_between_its_neighbours(irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.1, 0.5))
    postcodes_assign(zone=zone)
    [new] = buildings_beside(street=irsal, fractions_left=(0.3,))
    postcodes_assign(zone=zone)
    ordered = [b.postcode for b in irsal.buildings.order_by("position")]
    assert ordered == sorted(ordered)
    assert Building.objects.get(pk=new.pk).postcode == ordered[1]


def test_a_retired_buildings_code_is_never_issued_again(irsal, zone):
    [old] = buildings_beside(street=irsal, fractions_left=(0.5,))
    postcodes_assign(zone=zone)
    old.refresh_from_db()
    building_retire(building=old)
    [new] = buildings_beside(street=irsal, fractions_left=(0.5,))
    postcodes_assign(zone=zone)
    new.refresh_from_db()
    assert new.postcode != old.postcode
    assert Building.objects.get(pk=old.pk).postcode == old.postcode


def test_the_database_refuses_to_delete_a_building_with_a_postcode(irsal, zone):
    [building] = buildings_beside(street=irsal, fractions_left=(0.5,))
    postcodes_assign(zone=zone)
    with pytest.raises(IntegrityError, match="retire it, never delete it"), transaction.atomic():
        Building.objects.filter(pk=building.pk).delete()
    assert Building.objects.filter(pk=building.pk).exists()


def test_the_database_refuses_a_duplicate_postcode(irsal, zone):
    first, second = buildings_beside(street=irsal, fractions_left=(0.1, 0.5))
    postcodes_assign(zone=zone)
    first.refresh_from_db()
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.filter(pk=second.pk).update(
            delivery_point=first.delivery_point, postcode=None
        )


def test_a_zone_must_start_with_its_governorates_digit(town):
    with pytest.raises(InvalidInput, match="start with 6, the governorate's postcode digit"):
        postal_zone_create(
            code="700", governorate=town.governorate, geom=Polygon.from_bbox(TOWN_BOX)
        )


def test_the_database_checks_the_zone_digit_too(town, zone):
    with pytest.raises(IntegrityError, match="must start with 6"), transaction.atomic():
        type(zone).objects.filter(pk=zone.pk).update(code="712")
