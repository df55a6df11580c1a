"""Checks every geometry goes through before it is stored, whatever app stores it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.gis.geos.collections import (
    GeometryCollection,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
)

from core.errors import InvalidInput, PayloadTooLarge

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


# --- The same rules, for whole arrays of geometries (imports) ----------------------------------

FAMILY = {
    0: "Point",
    1: "LineString",
    2: "LineString",
    3: "Polygon",
    4: "Point",
    5: "LineString",
    6: "Polygon",
}
MULTI_TYPE_ID = {4, 5, 6}


@dataclass
class PreparedGeometries:
    geometries: np.ndarray  # shapely, EPSG:4326; None where a problem is recorded
    problems: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (code, text)
    repaired: int = 0


def geometry_families(geometries: np.ndarray) -> dict[str, int]:
    """How many geometries of each family (Point, LineString, Polygon) an array holds."""
    present = geometries[~shapely.is_missing(geometries)]
    families: dict[str, int] = {}
    for type_id in shapely.get_type_id(present):
        family = FAMILY.get(int(type_id), "GeometryCollection")
        families[family] = families.get(family, 0) + 1
    return families


def _to_wgs84(geometries: np.ndarray, crs: int) -> np.ndarray:
    from core.crs import transformer

    forward = transformer(crs, 4326)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, project)


def _simple_parts(geometry):
    if int(shapely.get_type_id(geometry)) in MULTI_TYPE_ID | {7}:
        for part in shapely.get_parts(geometry):
            yield from _simple_parts(part)
    else:
        yield geometry


MAKE_MULTI = {
    "Point": shapely.multipoints,
    "LineString": shapely.multilinestrings,
    "Polygon": shapely.multipolygons,
}


def _fit(geometry, *, single: str, multi: bool):
    """``geometry`` as the target kind (its parts of the right family), or None."""
    parts = [
        p for p in _simple_parts(geometry) if FAMILY.get(int(shapely.get_type_id(p))) == single
    ]
    if not parts:
        return None
    if multi:
        return MAKE_MULTI[single](parts)
    return parts[0] if len(parts) == 1 else None


def geometries_prepare(
    geometries: np.ndarray, *, crs: int, geometry_type: str, repair: bool = False
) -> PreparedGeometries:
    """Reproject ``geometries`` (shapely, in EPSG ``crs``) to EPSG:4326 with pyproj and apply
    the rules of :func:`geometry_clean` to each: present, not empty, inside the WGS 84
    range, valid (or repaired on request), of the target kind (promoted to multi)."""
    result = PreparedGeometries(geometries=np.array(geometries, dtype=object, copy=True))
    geoms = result.geometries

    def record(index: int, code: str, message: str) -> None:
        if index not in result.problems:
            result.problems[index] = (code, message)
            geoms[index] = None

    def problem(mask: np.ndarray, code: str, text) -> None:
        for index in np.flatnonzero(mask):
            record(int(index), code, text(index) if callable(text) else text)

    problem(shapely.is_missing(geoms), "missing_geometry", "no geometry")
    problem(
        ~shapely.is_missing(geoms) & shapely.is_empty(geoms), "empty_geometry", "empty geometry"
    )
    if crs != 4326:
        present = ~shapely.is_missing(geoms)
        geoms[present] = _to_wgs84(geoms[present], crs)
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = (
            (bounds[:, 0] < -180)
            | (bounds[:, 2] > 180)
            | (bounds[:, 1] < -90)
            | (bounds[:, 3] > 90)
        )
    problem(
        outside,
        "out_of_range",
        f"coordinates outside longitude/latitude range: is EPSG:{crs} the file's CRS?",
    )
    present = ~shapely.is_missing(geoms)
    invalid = present & ~shapely.is_valid(geoms)
    if repair:
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        result.repaired = int(invalid.sum())
    else:
        problem(
            invalid,
            "invalid_geometry",
            lambda i: f"invalid geometry: {shapely.is_valid_reason(geoms[i])}",
        )
    single = SINGLE_OF.get(geometry_type, geometry_type)
    multi = geometry_type in SINGLE_OF
    present = ~shapely.is_missing(geoms)
    type_ids = shapely.get_type_id(geoms)
    family = np.array([FAMILY.get(int(t)) for t in type_ids], dtype=object)
    is_multi = np.isin(type_ids, list(MULTI_TYPE_ID))
    fits = present & (family == single) & (is_multi == multi)
    # The common case, a single part for a multi layer, in one vectorised step.
    promote = present & (family == single) & ~is_multi & multi
    if promote.any():
        indices = np.flatnonzero(promote)
        geoms[indices] = MAKE_MULTI[single](geoms[indices], indices=np.arange(len(indices)))
    for index in np.flatnonzero(present & ~fits & ~promote):
        fitted = _fit(geoms[index], single=single, multi=multi)
        if fitted is None:
            kind = geoms[index].geom_type
            record(
                int(index),
                "wrong_geometry_type",
                f"a {kind} cannot go into a {geometry_type} layer",
            )
        else:
            geoms[index] = fitted
    return result


def geometry_from_geojson(value: Any) -> GEOSGeometry:
    """A GeoJSON geometry object (RFC 7946: WGS 84, longitude first) as an EPSG:4326
    geometry. Parsed by GEOS, never by GDAL; a ``crs`` member is refused, not obeyed."""
    if not isinstance(value, dict) or "type" not in value:
        raise InvalidInput("A geometry is a GeoJSON object with a type.", code="invalid_geometry")
    if "crs" in value:
        raise InvalidInput(
            "GeoJSON geometries are WGS 84 (RFC 7946); a crs member is not accepted.",
            code="unsupported_crs",
        )
    try:
        parsed = shapely.from_geojson(json.dumps(value))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise InvalidInput(
            f"The GeoJSON geometry cannot be read: {exc}", code="invalid_geometry"
        ) from None
    if parsed is None or parsed.is_empty:
        raise InvalidInput("The geometry is empty.", code="empty_geometry")
    coordinates = shapely.get_coordinates(parsed)
    if not np.isfinite(coordinates).all():
        raise InvalidInput("Coordinates must be finite numbers.", code="invalid_coordinates")
    (x0, y0), (x1, y1) = coordinates.min(axis=0), coordinates.max(axis=0)
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidInput(
            "Coordinates are longitude then latitude in degrees (WGS 84): longitude runs from "
            "-180 to 180, latitude from -90 to 90.",
            code="invalid_coordinates",
        )
    return GEOSGeometry(memoryview(shapely.to_wkb(parsed)), srid=4326)


# An edited feature with more vertices than this is refused: no street, pipe or parcel needs
# them, and a hand-edited feature with so many is a mistake or an attack on the tile server.
MAX_EDIT_VERTICES = 20_000


def geometry_check_size(*, geometry: GEOSGeometry) -> None:
    """PayloadTooLarge (413) for a geometry with more than MAX_EDIT_VERTICES vertices."""
    if geometry.num_coords > MAX_EDIT_VERTICES:
        raise PayloadTooLarge(
            f"The geometry has {geometry.num_coords:,} vertices; an edited feature may have at "
            f"most {MAX_EDIT_VERTICES:,}.",
            code="too_many_vertices",
        )
