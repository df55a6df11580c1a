"""Reading the register: as of a date, lineage in both directions, by identifier and point."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString, Point
from pyproj import Geod

from core.errors import InvalidInput, NotFound
from parcels.selectors import (
    parcel_at_point,
    parcel_by_identifier,
    parcel_lineage,
    parcels_as_of,
)
from parcels.services import parcel_merge, parcel_split


def cut_west_east_of_1_1():
    """A north-south line through the middle of parcel 1/1."""
    return LineString((35.2001, 31.8999), (35.2001, 31.9003), srid=4326)


@pytest.fixture
def history(pair, officer):
    """1/1 split into halves (1/3 and 1/4, one west, one east); then the eastern half merged
    with 1/2 into 1/5."""
    first, second = pair
    split = parcel_split(
        parcel=first, cut_lines=[cut_west_east_of_1_1()], user=officer, reason="Sale"
    )
    west, east = sorted(split.children, key=lambda c: c.geom.centroid.x)
    merge = parcel_merge(parcels=[east, second], user=officer, reason="Consolidation")
    return {"first": first, "split": split, "west": west, "east": east, "merge": merge}


def test_the_register_as_of_a_date_shows_the_parcels_then_in_force(history):
    at_split = history["split"].record.performed_at
    before_split = at_split - timedelta(microseconds=1)
    west = history["west"].number
    now_numbers = sorted(p.number for p in parcels_as_of(at=history["merge"].record.performed_at))
    assert now_numbers == [west, 5]
    assert sorted(p.number for p in parcels_as_of(at=at_split)) == [2, 3, 4]
    assert sorted(p.number for p in parcels_as_of(at=before_split)) == [1, 2]


def test_lineage_runs_both_ways_in_one_call(history):
    east = history["east"].number
    lineage = parcel_lineage(parcel=history["east"])
    assert {(s.parent.number, s.child.number, s.generation) for s in lineage.ancestors} == {
        (1, east, -1)
    }
    assert {(s.parent.number, s.child.number, s.generation) for s in lineage.descendants} == {
        (east, 5, 1)
    }
    # From the first parcel: its children, then its grandchild through the merge.
    from_first = parcel_lineage(parcel=history["first"])
    assert {(s.child.number, s.generation) for s in from_first.descendants} == {
        (3, 1),
        (4, 1),
        (5, 2),
    }
    assert {s.transaction.kind for s in from_first.descendants} == {"split", "merge"}


def test_a_parcel_is_found_by_its_identifier(pair):
    assert parcel_by_identifier(text="Ramallah 1/2") == pair[1]
    assert parcel_by_identifier(text="رام الله 1/2") == pair[1]
    assert parcel_by_identifier(text=" 1 / 1 ") == pair[0]


@pytest.mark.parametrize(("text", "error"), [("1-2", InvalidInput), ("Ramallah 9/9", NotFound)])
def test_a_bad_or_unknown_identifier_says_so(pair, text, error):
    with pytest.raises(error):
        parcel_by_identifier(text=text)


def test_a_retired_parcel_is_found_as_of_a_past_date(history):
    at = history["split"].record.performed_at
    east = f"Ramallah 1/{history['east'].number}"
    with pytest.raises(NotFound):
        parcel_by_identifier(text=east)  # merged away since
    assert parcel_by_identifier(text=east, at=at) == history["east"]


def test_a_parcel_is_found_at_a_point(pair):
    assert parcel_at_point(point=Point(35.2003, 31.9001, srid=4326)) == pair[1]
    with pytest.raises(NotFound):
        parcel_at_point(point=Point(35.3, 31.9, srid=4326))


def test_areas_are_geodesic_square_metres(pair):
    """PostGIS computes the area on the ellipsoid; pyproj's geodesic agrees within 0.01 %."""
    parcel = pair[0]
    lon, lat = zip(*parcel.geom.coords[0], strict=True)
    expected, _perimeter = Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    assert parcel.area_m2 == pytest.approx(abs(expected), rel=1e-4)
    assert 400 < parcel.area_m2 < 440  # 0.0002° square at 31.9° N: about 19 m x 22 m
