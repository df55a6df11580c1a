"""The raw SQL of the public map, in one place: the basemap's multi-layer vector tile and the
city blocks it derives from the street network (ST_Polygonize has no ORM expression). Every
value is a parameter; the statements are built from the constant fragments below."""

from __future__ import annotations

from django.db import connection

from core.routers import read_connection
from core.sql import BUFFER, EXTENT, TILE_SESSION_SETTINGS, WEB_MERCATOR_HALF, tile_buffer_metres

# Up to this zoom lines and polygons are simplified to one tile unit before encoding.
SIMPLIFY_UP_TO_ZOOM = 12

# Each basemap layer: its name, the zoom it starts at, and its rows (``g``: the geometry in
# EPSG:3857, then the attributes a label or a style needs). ``env``/``env4326`` are the tile
# envelope grown by the MVT buffer, in 3857 and 4326 (for the GiST indexes on 4326 columns).
_LAYERS: tuple[tuple[str, int, str], ...] = (
    (
        "land",
        7,
        "SELECT ST_Transform(ST_ClipByBox2D(m.geom, bounds.env4326), 3857) AS g, m.slug, "
        "m.name_ar, m.name_en "
        "FROM boundaries_municipality m, bounds WHERE m.geom && bounds.env4326",
    ),
    (
        "blocks",
        13,
        "SELECT b.geom_3857 AS g FROM public_map_block b, bounds WHERE b.geom_3857 && bounds.env",
    ),
    (
        "buildings",
        14,
        "SELECT b.footprint_3857 AS g FROM addressing_building b, bounds "
        "WHERE b.status = 'active' AND b.footprint_3857 && bounds.env",
    ),
    (
        "boundaries",
        0,
        "SELECT ST_Transform(ST_ClipByBox2D(ST_Boundary(x.geom), bounds.env4326), 3857) AS g, "
        "x.kind FROM ("
        " SELECT geom, 'governorate' AS kind FROM boundaries_governorate"
        " UNION ALL SELECT geom, 'municipality' FROM boundaries_municipality"
        "  WHERE %(z)s >= 8"
        " UNION ALL SELECT geom, 'locality' FROM boundaries_locality WHERE %(z)s >= 11"
        ") x, bounds WHERE x.geom && bounds.env4326",
    ),
    (
        "streets",
        10,
        "SELECT ST_Transform(s.geom, 3857) AS g, s.name_ar, s.name_en, s.street_type AS kind "
        "FROM addressing_street s, bounds WHERE s.geom && bounds.env4326 "
        "AND (%(z)s >= 12 OR s.street_type = 'road')",
    ),
    (
        "places",
        14,
        "SELECT ST_Transform(p.geom, 3857) AS g, p.name_ar, p.name_en, p.kind "
        "FROM addressing_place p, bounds WHERE p.geom && bounds.env4326",
    ),
    (
        "entrances",
        15,
        "SELECT ST_Transform(b.entrance, 3857) AS g, "
        "b.number::text || b.number_suffix AS number, "
        "translate(b.number::text, '0123456789', '٠١٢٣٤٥٦٧٨٩') || b.number_suffix AS number_ar "
        "FROM addressing_building b, bounds "
        "WHERE b.status = 'active' AND b.number IS NOT NULL AND b.entrance && bounds.env4326",
    ),
    (
        "labels",
        0,
        "SELECT ST_Transform(ST_PointOnSurface(x.geom), 3857) AS g, x.name_ar, x.name_en, x.kind "
        "FROM ("
        " SELECT geom, name_ar, name_en, 'governorate' AS kind FROM boundaries_governorate"
        "  WHERE %(z)s <= 10"
        " UNION ALL SELECT geom, name_ar, name_en, 'municipality' FROM boundaries_municipality"
        "  WHERE %(z)s BETWEEN 8 AND 14"
        " UNION ALL SELECT geom, name_ar, name_en, 'area' FROM addressing_area"
        "  WHERE %(z)s >= 13"
        ") x, bounds WHERE x.geom && bounds.env4326",
    ),
)


def _layer_sql(name: str, minzoom: int, rows: str) -> str:
    geom = (
        f"CASE WHEN %(z)s <= {SIMPLIFY_UP_TO_ZOOM} AND GeometryType(r.g) NOT LIKE '%%POINT' "
        "THEN ST_Simplify(r.g, %(unit)s, true) ELSE r.g END"
    )
    # Built from the constants above only; the values are parameters.
    return (
        f"(SELECT coalesce(ST_AsMVT(t.*, '{name}', {EXTENT}, 'mvtgeom'), ''::bytea) FROM ("  # noqa: S608
        f"SELECT ST_AsMVTGeom({geom}, bounds.tile, {EXTENT}, {BUFFER}, true) AS mvtgeom, "
        f"to_jsonb(r) - 'g' AS props FROM ({rows}) r, bounds WHERE %(z)s >= {minzoom}"
        ") t WHERE t.mvtgeom IS NOT NULL)"
    )


# The layers are separate MVT messages concatenated: a valid tile (a tile is a list of layers).
BASEMAP_SQL = (
    "WITH bounds AS ("
    " SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,"
    " ST_Expand(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(margin)s) AS env,"
    " ST_Transform(ST_Expand(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(margin)s), 4326) AS env4326"
    ") SELECT pg_current_snapshot()::text, " + " || ".join(_layer_sql(*layer) for layer in _LAYERS)
)

BASEMAP_LAYERS = tuple(name for name, _minzoom, _rows in _LAYERS)


def basemap_tile_render(*, z: int, x: int, y: int) -> tuple[bytes, str]:
    """The basemap tile z/x/y (every layer, as the public sees it) and its read snapshot."""
    params = {
        "z": z,
        "x": x,
        "y": y,
        "margin": tile_buffer_metres(z),
        "unit": WEB_MERCATOR_HALF * 2 / (2**z) / EXTENT,
    }
    # The public's basemap may be read from the replica (core.routers; see core.sql.tile_render).
    with read_connection().cursor() as cursor:
        # One query string: outside a transaction the SET LOCAL then holds for the tile's
        # statement (PostgreSQL runs a multi-statement query as one implicit transaction); a
        # SET LOCAL sent alone would end with its own implicit transaction and do nothing.
        cursor.execute(f"{TILE_SESSION_SETTINGS}; {BASEMAP_SQL}", params)
        snapshot, tile = cursor.fetchone()
    return bytes(tile or b""), snapshot


# Faces of the noded street lines and the municipal boundary. The outer ring of faces is
# kept: a block on the town's edge is bounded by the boundary. Slivers under 100 m² (where
# two streets nearly touch) and faces over 2 km² (open country) are left out.
BLOCKS_REBUILD_SQL = """
WITH lines AS (
    SELECT s.geom FROM addressing_street s WHERE s.municipality_id = %(municipality)s
    UNION ALL
    SELECT ST_Boundary(m.geom) FROM boundaries_municipality m WHERE m.id = %(municipality)s
), faces AS (
    SELECT (ST_Dump(ST_Polygonize(n.geom))).geom AS geom
    FROM (SELECT (ST_Dump(ST_Node(ST_Collect(geom)))).geom AS geom FROM lines) n
)
INSERT INTO public_map_block (municipality_id, geom, created_at, updated_at)
SELECT %(municipality)s, f.geom, now(), now() FROM faces f
WHERE ST_Area(f.geom::geography) BETWEEN 100 AND 2000000
"""


def blocks_rebuild(*, municipality_id: int) -> int:
    """Replace the blocks of one municipality; returns how many there are now."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public_map_block WHERE municipality_id = %s", [municipality_id])
        cursor.execute(BLOCKS_REBUILD_SQL, {"municipality": municipality_id})
        return cursor.rowcount
