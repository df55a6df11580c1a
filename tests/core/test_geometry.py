"""Every stored geometry passes the same checks."""

import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point, Polygon

from core.errors import InvalidInput
from core.geometry import geometry_clean

SQUARE = Polygon.from_bbox((35.20, 31.90, 35.21, 31.91))
SQUARE.srid = 4326
BOWTIE = GEOSGeometry("POLYGON((35.2 31.9, 35.21 31.91, 35.21 31.9, 35.2 31.91, 35.2 31.9))", 4326)


def test_a_polygon_is_promoted_for_a_multipolygon_layer():
    result = geometry_clean(SQUARE, geometry_type="MultiPolygon")
    assert isinstance(result, MultiPolygon)
    assert result.srid == 4326


def test_a_one_part_multipolygon_fits_a_polygon_layer():
    result = geometry_clean(MultiPolygon(SQUARE, srid=4326), geometry_type="Polygon")
    assert result.geom_type == "Polygon"


def test_an_invalid_polygon_is_refused_with_the_reason():
    with pytest.raises(InvalidInput) as raised:
        geometry_clean(BOWTIE, geometry_type="Polygon")
    assert raised.value.code == "invalid_geometry"
    assert "Self-intersection" in raised.value.message


def test_repair_on_request_keeps_the_area():
    result = geometry_clean(BOWTIE, geometry_type="MultiPolygon", repair=True)
    assert result.valid
    assert len(result) == 2


@pytest.mark.parametrize(
    ("geom", "layer_type", "code"),
    [
        (Point(35.2, 31.9, srid=4326), "Polygon", "wrong_geometry_type"),
        (LineString((35.2, 31.9), (35.3, 31.9), srid=4326), "MultiPoint", "wrong_geometry_type"),
        (Point(168000, 145000, srid=28191), "Point", "wrong_crs"),
        (GEOSGeometry("POLYGON EMPTY", 4326), "Polygon", "empty_geometry"),
    ],
)
def test_geometries_that_do_not_fit_are_refused(geom, layer_type, code):
    with pytest.raises(InvalidInput) as raised:
        geometry_clean(geom, geometry_type=layer_type)
    assert raised.value.code == code
