"""Areas are measured on the ellipsoid, in square metres, never in degrees."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from pyproj import Geod
from shapely.geometry import box

from boundaries.models import Region
from core.spatial import GeographyArea


def test_geography_area_matches_an_independent_geodesic_computation(db):
    bbox = (35.20, 31.90, 35.21, 31.91)  # about 945 m x 1,109 m in Ramallah
    Region.objects.create(
        pcode="T1",
        name_en="Test square",
        geom=MultiPolygon(Polygon.from_bbox(bbox), srid=4326),
        source="platform",
    )
    area = Region.objects.annotate(a=GeographyArea("geom")).get(pcode="T1").a
    expected, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(box(*bbox))
    assert area == pytest.approx(abs(expected), rel=1e-6)
    assert 1_000_000 < area < 1_100_000
