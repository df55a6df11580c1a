"""Parsing OGC API - Features parameters: every bad value is named in a 400."""

import datetime as dt

import pytest

from core.crs import CRS84
from core.errors import InvalidInput
from layers.ogc import parse_bbox, parse_datetime, parse_items_query


def test_bbox_in_crs84_is_a_wgs84_polygon():
    box = parse_bbox("35.17,31.87,35.25,31.93")
    assert box.srid == 4326
    assert box.extent == pytest.approx((35.17, 31.87, 35.25, 31.93))


def test_bbox_in_epsg4326_is_latitude_first():
    box = parse_bbox("31.87,35.17,31.93,35.25", crs=4326)
    assert box.extent == pytest.approx((35.17, 31.87, 35.25, 31.93))


def test_bbox_in_the_palestine_grid_is_reprojected():
    box = parse_bbox("165000,143000,172000,150000", crs=28191)
    west, south, east, north = box.extent
    assert 35.15 < west < east < 35.30
    assert 31.85 < south < north < 31.95


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,2,3", "bbox takes 4 numbers"),
        ("a,b,c,d", "not a number"),
        ("35.3,31.9,35.2,32", "wrong order"),
        ("35,31,200,32", "outside longitude"),
    ],
)
def test_bad_bboxes_are_explained(value, message):
    with pytest.raises(InvalidInput, match=message):
        parse_bbox(value)


def test_datetime_instants_and_intervals():
    start, end = parse_datetime("2026-11-01")
    assert start == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert end.date() == dt.date(2026, 11, 1)
    assert parse_datetime("../2026-11-01T10:00:00Z")[0] is None
    assert parse_datetime("2026-01-01T00:00:00Z/..")[1] is None
    with pytest.raises(InvalidInput, match="ends before it starts"):
        parse_datetime("2026-02-01/2026-01-01")
    with pytest.raises(InvalidInput, match="not an RFC 3339"):
        parse_datetime("yesterday")


def test_items_query_reads_standard_and_property_parameters():
    query = parse_items_query(
        {"limit": "50", "offset": "100", "lamp": "LED", "crs": "EPSG:28191"},
        property_names={"lamp"},
    )
    assert (query.limit, query.offset, query.filters, query.crs) == (
        50,
        100,
        {"lamp": "LED"},
        28191,
    )
    assert parse_items_query({}, property_names=set()).crs == CRS84


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"colour": "red"}, "unknown_parameter"),
        ({"limit": "0"}, "invalid_parameter"),
        ({"limit": "100001"}, "invalid_parameter"),
        ({"limit": "ten"}, "invalid_parameter"),
        ({"crs": "EPSG:9999"}, "unsupported_crs"),
        ({"crs": "+proj=longlat +init=/etc/passwd"}, "unsupported_crs"),
        ({"bbox-crs": "EPSG:3857"}, "invalid_parameter"),
    ],
)
def test_bad_parameters_are_400(params, code):
    with pytest.raises(InvalidInput) as raised:
        parse_items_query(params, property_names=set())
    assert raised.value.code == code
