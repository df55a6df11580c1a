"""The raw SQL of core, in one place: what PostGIS needs and the ORM cannot say
(MVT encoding with the snapshot it was read in, the tile cache's conditional insert).
Every statement is parameterised."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from core.routers import read_connection

# MVT geometry is encoded on a 4096 grid with a 64-unit buffer around the tile (the PostGIS
# defaults); a feature that meets the buffer shows in the tile, so it invalidates it too.
EXTENT = 4096
BUFFER = 64
BUFFER_RATIO = BUFFER / EXTENT
WEB_MERCATOR_HALF = 20037508.342789244


def tile_buffer_metres(z: int) -> float:
    """The MVT buffer around a tile at zoom ``z``, in EPSG:3857 metres."""
    return BUFFER_RATIO * 2 * WEB_MERCATOR_HALF / (2**z)


# A tile statement never asks for parallel workers. Measured on 2 cores with 4 clients and
# z13-16 tiles of 200,000 parcels, the same statements render 35 tiles/s with PostgreSQL's
# default parallel plans and 56 tiles/s without: under concurrent requests, workers only
# compete for the cores other requests need (bench/layers_bench.py runs its ceiling the same).
TILE_SESSION_SETTINGS = "SET LOCAL max_parallel_workers_per_gather = 0"


def tile_sql(*, rows: QuerySet, layer_name: str) -> tuple[str, list]:
    """The statement that encodes ``rows`` (values ``pk``, ``mvtgeom``, ``props``) as one MVT
    layer named ``layer_name``, and its parameters; it also returns its read snapshot."""
    inner_sql, params = rows.query.sql_with_params()
    # The statement is built from constants and the ORM's own SQL; values stay parameters.
    sql = (
        "SELECT pg_current_snapshot()::text, "  # noqa: S608
        f"ST_AsMVT(t.*, %s, {EXTENT}, 'mvtgeom', 'id') "
        f"FROM (SELECT s.pk AS id, s.mvtgeom, s.props FROM ({inner_sql}) AS s) AS t"
    )
    return sql, [layer_name, *params]


def tile_render(*, rows: QuerySet, layer_name: str) -> tuple[bytes, str]:
    """Encode ``rows`` as one MVT layer. Returns the tile and the snapshot it was read in."""
    sql, params = tile_sql(rows=rows, layer_name=layer_name)
    # The public's renders may read the replica (core.routers); the cache's rows below are
    # always the primary's (`connection`): they are unlogged, and the replica's snapshot is
    # checked there against the edits it may not have replayed yet.
    with read_connection().cursor() as cursor:
        # One round trip: in autocommit, the two statements are one implicit transaction,
        # which SET LOCAL lasts for. Under load every round trip waits for a busy core.
        cursor.execute(f"{TILE_SESSION_SETTINGS}; {sql}", params)
        snapshot, tile = cursor.fetchone()
    return bytes(tile or b""), snapshot


def tile_cache_lookup(
    *, collection: str, audience: str, z: int, x: int, y: int, with_bytes: bool
) -> tuple[bytes | None, str] | None:
    """(tile, etag) of a valid cached tile, or None. ``with_bytes``: the row holds the tile
    (the postgres engine); otherwise the row names bytes kept elsewhere and tile is None."""
    held = "IS NOT NULL" if with_bytes else "IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tile, etag FROM core_cachedtile WHERE collection = %s AND audience = %s "  # noqa: S608 - a constant
            f"AND z = %s AND x = %s AND y = %s AND tile {held}",
            [collection, audience, z, x, y],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return (bytes(row[0]) if with_bytes else None), row[1]


def tile_cache_store(
    *,
    collection: str,
    audience: str,
    z: int,
    x: int,
    y: int,
    tile: bytes | None,
    etag: str,
    snapshot: str,
) -> bool:
    """Cache a tile (``tile`` None: its bytes are kept elsewhere under ``etag``) unless a
    change it could not see (committed after ``snapshot``) touched it. Runs under a shared
    advisory lock of the collection, which a changing transaction holds exclusively until it
    commits: a tile is never stored between a change's invalidation and its commit. Returns
    True if the tile was stored."""
    with connection.cursor() as cursor:
        # One round trip: the lock lasts until the (implicit, in autocommit) transaction of
        # both statements ends, and the insert's snapshot is taken once the lock is held.
        cursor.execute(
            """
            SELECT pg_advisory_xact_lock_shared(hashtext(%s));
            WITH env AS (SELECT ST_Expand(ST_TileEnvelope(%s, %s, %s), %s) AS box)
            INSERT INTO core_cachedtile
                (collection, audience, z, x, y, influence, tile, etag, created_at)
            SELECT %s, %s, %s, %s, %s, env.box, %s, %s, now() FROM env
            WHERE NOT EXISTS (
                SELECT 1 FROM core_tileinvalidation i
                WHERE i.collection = %s AND i.bbox && env.box
                  AND NOT pg_visible_in_snapshot(i.xid::text::xid8, %s::pg_snapshot)
            )
            ON CONFLICT (collection, audience, z, x, y)
            DO UPDATE SET tile = EXCLUDED.tile, etag = EXCLUDED.etag,
                          created_at = EXCLUDED.created_at
            """,
            [
                collection,
                *(z, x, y, tile_buffer_metres(z)),
                *(collection, audience, z, x, y, tile, etag),
                *(collection, snapshot),
            ],
        )
        return cursor.rowcount == 1


def tile_cache_invalidate(*, collection: str, bboxes_3857: list[tuple[float, ...]]) -> int:
    """Inside the changing transaction: lock the collection's cache, drop every cached tile
    whose influence meets one of ``bboxes_3857`` (xmin, ymin, xmax, ymax) and record the
    change for renders still in flight. Returns the number of tiles dropped."""
    dropped = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [collection])
        for xmin, ymin, xmax, ymax in bboxes_3857:
            cursor.execute(
                "DELETE FROM core_cachedtile WHERE collection = %s "
                "AND influence && ST_MakeEnvelope(%s, %s, %s, %s, 3857)",
                [collection, xmin, ymin, xmax, ymax],
            )
            dropped += cursor.rowcount
            cursor.execute(
                "INSERT INTO core_tileinvalidation (collection, bbox, xid, created_at) "
                "VALUES (%s, ST_MakeEnvelope(%s, %s, %s, %s, 3857), "
                "pg_current_xact_id()::text::bigint, now())",
                [collection, xmin, ymin, xmax, ymax],
            )
        # Renders finish in seconds (and a replica is read only while it lags far less, see
        # core.routers); older records can no longer stop a stale insert.
        cursor.execute(
            "DELETE FROM core_tileinvalidation "
            "WHERE created_at < now() - make_interval(secs => %s)",
            [settings.TILE_INVALIDATION_RETENTION_SECONDS],
        )
    return dropped
