"""Spatial SQL shared by every app, as GeoDjango expressions.

Areas and lengths are measured on the WGS 84 ellipsoid (PostGIS ``geography``), in square
metres and metres, never in degrees. Apps use these instead of writing their own SQL.
"""

from __future__ import annotations

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import GeoFunc
from django.db.models import FloatField, Func, JSONField

WGS84 = 4326


class GeographyArea(Func):
    """``ST_Area(geom::geography)``: the geodesic area in m² of a geometry in EPSG:4326."""

    function = "ST_Area"
    template = "%(function)s((%(expressions)s)::geography)"
    output_field = FloatField()


class AsGeography(Func):
    """``geom::geography``, for PostGIS functions that then measure on the ellipsoid."""

    template = "(%(expressions)s)::geography"
    output_field = FloatField()  # never read: only ever an argument of a measuring function


class GeographyDistance(Func):
    """``ST_Distance(a::geography, b::geography)``: the geodesic distance in metres between
    two geometries in EPSG:4326 (0 when one contains the other)."""

    function = "ST_Distance"
    output_field = FloatField()

    def __init__(self, first, second, **extra):
        super().__init__(AsGeography(first), AsGeography(second), **extra)


class InteriorPoint(Func):
    """``ST_PointOnSurface``: a point guaranteed to lie inside the geometry.

    A plain ``Func`` (unlike GeoDjango's ``PointOnSurface``) so it also accepts ``OuterRef``,
    for "the polygon containing this feature" subqueries.
    """

    function = "ST_PointOnSurface"
    output_field = PointField(srid=WGS84)


class LabelPoint(GeoFunc):
    """The centre of the largest circle inside the geometry (``ST_MaximumInscribedCircle``):
    where a map label reads best, well inside the area even for odd shapes."""

    function = "ST_MaximumInscribedCircle"
    template = "(%(function)s(%(expressions)s)).center"
    output_field = PointField(srid=WGS84)


class JsonbWithout(Func):
    """``jsonb - text[]``: a JSON object without some keys (internal attributes)."""

    template = "(%(expressions)s - %(keys)s::text[])"
    output_field = JSONField()

    def __init__(self, expression, keys: list[str], **extra):
        super().__init__(expression, **extra)
        self.keys = list(keys)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, keys="%s", **extra_context)
        return sql, (*params, self.keys)
