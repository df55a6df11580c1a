"""Checks every geometry goes through before it is stored, whatever app stores it."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.contrib.gis.geos.collections import (
    GeometryCollection,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
)

from core.errors import InvalidInput

MULTI = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}
SINGLE_OF = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}


def _parts_of_type(geom: GEOSGeometry, single: str) -> list[GEOSGeometry]:
    if geom.geom_type == single:
        return [geom]
    if isinstance(geom, GeometryCollection):
        return [p for part in geom for p in _parts_of_type(part, single)]
    return []


def geometry_clean(
    geom: GEOSGeometry, *, geometry_type: str, srid: int = 4326, repair: bool = False
) -> GEOSGeometry:
    """``geom`` made ready to store as ``geometry_type`` in ``srid``, or InvalidInput.

    A single geometry is promoted to its multi type when the target is multi. An invalid
    geometry is refused with the reason GEOS gives, unless ``repair`` asks for ST_MakeValid
    (which keeps only the parts of the target's kind). Empty geometries are refused.
    """
    if geom.srid != srid:
        raise InvalidInput(
            f"The geometry is in EPSG:{geom.srid}; expected EPSG:{srid}.", code="wrong_crs"
        )
    if geom.empty:
        raise InvalidInput("The geometry is empty.", code="empty_geometry")
    if not geom.valid:
        if not repair:
            raise InvalidInput(
                f"The geometry is not valid: {geom.valid_reason}.",
                code="invalid_geometry",
                details={"reason": geom.valid_reason},
            )
        geom = geom.make_valid()
    single = SINGLE_OF.get(geometry_type, geometry_type)
    parts = _parts_of_type(geom, single)
    if not parts:
        raise InvalidInput(
            f"A {geom.geom_type} cannot be stored in a {geometry_type} layer.",
            code="wrong_geometry_type",
        )
    if geometry_type in SINGLE_OF:
        result = MULTI[single](*parts, srid=srid)
    elif len(parts) == 1:
        result = parts[0]
    else:
        raise InvalidInput(
            f"A geometry of {len(parts)} parts cannot be stored in a {geometry_type} layer.",
            code="wrong_geometry_type",
        )
    result.srid = srid
    return result
