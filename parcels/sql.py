"""The raw SQL of the parcels app, in one place: the topology audit's statements, which PostGIS
needs to be fast and the ORM cannot say (self-joins through the GiST index, per-basin unions,
interior rings). Every value is a parameter; the f-strings hold constants only.

Geometries are WGS 84 (EPSG:4326); areas and perimeters are geodesic, on the WGS 84 ellipsoid
(``::geography``), in m² and m; points are (longitude, latitude).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

ACTIVE = "'active'"
# Interiors meet (dimension 2), as the parcel_no_overlap trigger tests it (migration 0002):
# sharing an edge or a corner is not an overlap.
INTERIORS_MEET = "'2********'"
# Points and gap outlines are sent with 7 decimals of a degree (about 1 cm).
DECIMALS = 7
# At most this many parcels are named around one gap.
BORDERING_MAX = 12

# Which parcels the audit looks at: all, one locality, or one basin of a locality.
# ``%(locality)s`` and ``%(basin)s`` are NULL when not given.
_IN_SCOPE = (
    "((%(locality)s::bigint IS NULL OR {p}.locality_id = %(locality)s::bigint) "
    "AND (%(basin)s::integer IS NULL OR {p}.basin = %(basin)s::integer))"
)


def _in_scope(alias: str) -> str:
    return _IN_SCOPE.format(p=alias)


@dataclass(frozen=True)
class Scope:
    """The parcels an audit covers: ``locality`` (a Locality id) and ``basin``, or everything."""

    locality: int | None = None
    basin: int | None = None

    def params(self) -> dict:
        return {"locality": self.locality, "basin": self.basin}


def audit_counts(*, scope: Scope) -> tuple[int, int]:
    """(active parcels, basins) in ``scope``."""
    sql = (
        "SELECT count(*), count(DISTINCT (p.locality_id, p.basin)) "  # noqa: S608 - constants
        f"FROM parcels_parcel p WHERE p.status = {ACTIVE} AND {_in_scope('p')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, scope.params())
        return cursor.fetchone()


def audit_overlaps(*, scope: Scope, tolerance_m2: float) -> list[tuple]:
    """Pairs of active parcels whose interiors share more than ``tolerance_m2`` m², at least
    one of them in ``scope`` (the other may lie anywhere in the register): rows of (first id,
    first identifier, second id, second identifier, shared m², lon, lat of a point inside the
    shared part), largest first.

    Each candidate pair comes from the GiST index (``&&``) and is kept only when the
    interiors meet (``ST_Relate``, cheap) before its intersection is computed (costly)."""
    sql = f"""
        SELECT s.a_id, parcels_identifier(a), s.b_id, parcels_identifier(b), s.shared,
               ST_X(s.point), ST_Y(s.point)
          FROM (
            SELECT pair.a_id, pair.b_id, ST_Area(pair.part::geography) AS shared,
                   ST_PointOnSurface(pair.part) AS point
              FROM (
                SELECT a.id AS a_id, b.id AS b_id, ST_Intersection(a.geom, b.geom) AS part
                  FROM parcels_parcel a
                  JOIN parcels_parcel b ON b.geom && a.geom AND b.id <> a.id
                 WHERE a.status = {ACTIVE} AND b.status = {ACTIVE} AND {_in_scope("a")}
                   -- each pair once: both in scope, the lower id first; else from its side
                   AND (a.id < b.id OR NOT {_in_scope("b")})
                   AND ST_Relate(a.geom, b.geom, {INTERIORS_MEET})
                -- computed once per pair, not once per use above
                OFFSET 0
              ) pair
          ) s
          JOIN parcels_parcel a ON a.id = s.a_id
          JOIN parcels_parcel b ON b.id = s.b_id
         WHERE s.shared > %(tolerance)s
         ORDER BY s.shared DESC, s.a_id, s.b_id
    """  # noqa: S608 - constants only
    with connection.cursor() as cursor:
        cursor.execute(sql, {**scope.params(), "tolerance": tolerance_m2})
        return cursor.fetchall()


def audit_gaps(*, scope: Scope, min_area_m2: float) -> list[tuple]:
    """Land enclosed by the active parcels of a basin but in no active parcel: for each basin
    in ``scope``, the holes (interior rings) of the union of its parcels, less any active
    parcel of another basin lying in them, each piece larger than ``min_area_m2``. Rows of
    (locality id, locality name, basin, m², perimeter m, lon, lat of a point inside, the
    identifiers of the basin's parcels around it, GeoJSON outline), largest first.

    A basin's parcels should tile it, so their union is computed as one aggregate per basin;
    the holes are few, and only they are compared with the rest of the register."""
    sql = f"""
        WITH basins AS (
          SELECT p.locality_id, p.basin, ST_Union(p.geom) AS geom
            FROM parcels_parcel p
           WHERE p.status = {ACTIVE} AND {_in_scope("p")}
           GROUP BY p.locality_id, p.basin
        ), holes AS (
          SELECT b.locality_id, b.basin,
                 ST_MakePolygon(ST_InteriorRingN(part.geom, ring.n)) AS geom
            FROM basins b
           CROSS JOIN LATERAL ST_Dump(b.geom) part
           CROSS JOIN LATERAL generate_series(1, ST_NumInteriorRings(part.geom)) ring(n)
        ), uncovered AS (
          SELECT h.locality_id, h.basin,
                 coalesce(ST_Difference(h.geom, (
                   SELECT ST_Union(o.geom) FROM parcels_parcel o
                    WHERE o.status = {ACTIVE} AND o.geom && h.geom
                      AND ST_Relate(o.geom, h.geom, {INTERIORS_MEET})
                 )), h.geom) AS geom
            FROM holes h
        ), gaps AS (
          SELECT u.locality_id, u.basin, piece.geom,
                 ST_Area(piece.geom::geography) AS area,
                 ST_Perimeter(piece.geom::geography) AS perimeter,
                 ST_PointOnSurface(piece.geom) AS point
            FROM uncovered u
           CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(u.geom, 3)) piece
        )
        SELECT g.locality_id, l.name_en, g.basin, g.area, g.perimeter,
               ST_X(g.point), ST_Y(g.point),
               ARRAY(
                 SELECT parcels_identifier(p) FROM parcels_parcel p
                  WHERE p.status = {ACTIVE} AND p.locality_id = g.locality_id
                    AND p.basin = g.basin AND p.geom && g.geom
                    AND ST_Intersects(p.geom, g.geom)
                  ORDER BY p.number LIMIT {BORDERING_MAX}
               ),
               ST_AsGeoJSON(g.geom, {DECIMALS})
          FROM gaps g
          LEFT JOIN boundaries_locality l ON l.id = g.locality_id
         WHERE g.area > %(min_area)s
         ORDER BY g.area DESC, g.locality_id, g.basin
    """  # noqa: S608 - constants only
    with connection.cursor() as cursor:
        cursor.execute(sql, {**scope.params(), "min_area": min_area_m2})
        return cursor.fetchall()


def audit_parcel_slivers(
    *, scope: Scope, max_area_m2: float, max_compactness: float
) -> list[tuple]:
    """Active parcels in ``scope`` smaller than ``max_area_m2`` or thinner than
    ``max_compactness`` (4πA/P², 1 for a circle, about 0.785 for a square): rows of (id,
    identifier, locality id, locality name, basin, m², perimeter m, lon, lat of a point
    inside), smallest first."""
    sql = f"""
        SELECT s.id, parcels_identifier(p), p.locality_id, l.name_en, p.basin, s.area,
               s.perimeter, ST_X(s.point), ST_Y(s.point)
          FROM (
            SELECT p.id, p.area_m2 AS area, ST_Perimeter(p.geom::geography) AS perimeter,
                   ST_PointOnSurface(p.geom) AS point
              FROM parcels_parcel p
             WHERE p.status = {ACTIVE} AND {_in_scope("p")}
          ) s
          JOIN parcels_parcel p ON p.id = s.id
          LEFT JOIN boundaries_locality l ON l.id = p.locality_id
         WHERE s.area < %(max_area)s
            OR 4 * pi() * s.area / nullif(s.perimeter * s.perimeter, 0) < %(max_compactness)s
         ORDER BY s.area, s.id
    """  # noqa: S608 - constants only
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {**scope.params(), "max_area": max_area_m2, "max_compactness": max_compactness}
        )
        return cursor.fetchall()
