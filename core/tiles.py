"""Mapbox Vector Tiles for every registered collection, encoded by PostGIS (ST_AsMVT), with a
server-side cache that an edit invalidates for exactly the tiles it touches.

Tiles are in Web Mercator (EPSG:3857), XYZ scheme, zoom 0 to MAX_ZOOM. The cache engine is
chosen by the ``TILE_CACHE`` setting: ``files`` (the default: which tiles are valid is kept in
PostgreSQL, their bytes on disk under ``TILE_CACHE_DIR``), ``postgres`` (bytes in the table
too, for a deployment without a writable disk) or ``none``.
"""

from __future__ import annotations

import abc
import hashlib
import logging
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.gis.db.models import GeometryField, PolygonField
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import BinaryField, F, Func, QuerySet, Value

from core import sql
from core.collections import Collection, User
from core.engines import engine_from_setting
from core.errors import InvalidInput

MAX_ZOOM = 22
# Up to this zoom, lines and polygons are simplified to one tile unit (1/4096 of the tile)
# before encoding: long boundaries and roads lose the vertices no screen can show. Above it,
# ST_AsMVTGeom's own snapping to the tile grid is enough, and simplifying first only costs
# (measured on 200,000 parcels: +15 % per z13 tile).
SIMPLIFY_UP_TO_ZOOM = 12
# A render that took longer than this is served but not cached (see sql.tile_cache_store).
MAX_CACHEABLE_RENDER_SECONDS = 300
WORLD_3857 = (-sql.WEB_MERCATOR_HALF,) * 2 + (sql.WEB_MERCATOR_HALF,) * 2

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tile:
    data: bytes
    etag: str
    cached: bool


class TileEnvelope(Func):
    function = "ST_TileEnvelope"
    output_field = PolygonField(srid=3857)


class AsMVTGeom(Func):
    function = "ST_AsMVTGeom"
    # Not a GeometryField: GeoDjango would cast the selected column to bytea, and ST_AsMVT
    # needs it as geometry. The value is only ever read by ST_AsMVT.
    output_field = BinaryField()
    template = f"%(function)s(%(expressions)s, {sql.EXTENT}, {sql.BUFFER}, true)"


class Simplify(Func):
    function = "ST_Simplify"
    output_field = GeometryField(srid=3857)
    template = "%(function)s(%(expressions)s, true)"


def tile_validate(*, z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(
            f"Zoom {z} is out of range: tiles exist for zoom 0 to {MAX_ZOOM}.",
            code="tile_out_of_range",
        )
    size = 2**z
    if not (0 <= x < size and 0 <= y < size):
        raise InvalidInput(
            f"Tile {z}/{x}/{y} is out of range: at zoom {z}, x and y run from 0 to {size - 1}.",
            code="tile_out_of_range",
        )


def audience_of(*, collection: Collection, user: User) -> str:
    """Who a tile is rendered for: staff see internal attributes, the public does not."""
    internal = any(f.internal for f in collection.fields(user=user))
    return "staff" if internal else "public"


def tile_rows(*, collection: Collection, user: User, z: int, x: int, y: int) -> QuerySet:
    """The rows of one tile (``pk``, ``mvtgeom`` in tile coordinates, ``props``)."""
    envelope = TileEnvelope(Value(z), Value(x), Value(y))
    queryset = collection.queryset(user=user)
    if collection.tile_geometry_field:
        geom = F(collection.tile_geometry_field)
        queryset = queryset.filter(**{f"{collection.tile_geometry_field}__bboverlaps": envelope})
    else:
        geom = Transform(collection.geometry_field, 3857)
        queryset = queryset.filter(
            **{f"{collection.geometry_field}__bboverlaps": Transform(envelope, collection.srid)}
        )
    if z <= SIMPLIFY_UP_TO_ZOOM and "Point" not in collection.geometry_type:
        tile_unit = sql.WEB_MERCATOR_HALF * 2 / (2**z) / sql.EXTENT
        geom = Simplify(geom, Value(tile_unit))
    rows = queryset.annotate(
        mvtgeom=AsMVTGeom(geom, envelope), props=collection.properties_expression(user=user)
    ).values("pk", "mvtgeom", "props")
    return rows


def tile_render(*, collection: Collection, user: User, z: int, x: int, y: int) -> tuple[bytes, str]:
    """Encode one tile of ``collection`` as this user may see it; returns (tile, snapshot)."""
    rows = tile_rows(collection=collection, user=user, z=z, x=x, y=y)
    return sql.tile_render(rows=rows, layer_name=collection.id)


class TileCache(abc.ABC):
    """Where rendered tiles are kept. Implementations must never serve a tile older than the
    last committed change that touched it."""

    @abc.abstractmethod
    def get(self, *, collection: str, audience: str, z: int, x: int, y: int) -> Tile | None: ...

    @abc.abstractmethod
    def put(
        self, *, collection: str, audience: str, z: int, x: int, y: int, tile: Tile, snapshot: str
    ) -> bool: ...

    @abc.abstractmethod
    def invalidate(self, *, collection: str, bboxes_3857: list[tuple[float, ...]]) -> int: ...


class PostgresTileCache(TileCache):
    """Tiles in a PostGIS table next to the data: invalidation runs in the editing
    transaction, and renders in flight are checked against it (see core.sql)."""

    keeps_bytes = True

    def get(self, *, collection, audience, z, x, y):
        found = sql.tile_cache_lookup(
            collection=collection, audience=audience, z=z, x=x, y=y, with_bytes=self.keeps_bytes
        )
        return Tile(data=found[0], etag=found[1], cached=True) if found else None

    def put(self, *, collection, audience, z, x, y, tile, snapshot):
        return sql.tile_cache_store(
            collection=collection,
            audience=audience,
            z=z,
            x=x,
            y=y,
            tile=tile.data if self.keeps_bytes else None,
            etag=tile.etag,
            snapshot=snapshot,
        )

    def invalidate(self, *, collection, bboxes_3857):
        return sql.tile_cache_invalidate(collection=collection, bboxes_3857=bboxes_3857)


# Collection ids are slugs and audiences words; anything else never becomes a path.
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


class FileTileCache(PostgresTileCache):
    """Which tiles are valid stays in PostgreSQL (the same rows, invalidation and race checks
    as PostgresTileCache, without the bytes); the bytes are files named by their ETag under
    ``TILE_CACHE_DIR``. A hit reads a small row and a file instead of a TOASTed value, and a
    miss writes a file instead of a 100-300 kB row.

    A file is written before its row is committed and is only ever read through a row that
    names its ETag, so a render refused as stale, or a file a crash left behind, is never
    served. Several web servers may share the directory or keep one each: a row whose file
    is missing here is a miss, rendered and written again."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root or settings.TILE_CACHE_DIR)

    def _folder(self, collection: str, audience: str, z: int, x: int) -> Path:
        if not (SAFE_NAME.match(collection) and SAFE_NAME.match(audience)):
            raise InvalidInput(f"{collection!r}/{audience!r} cannot name a tile cache folder.")
        return self.root / collection / audience / str(z) / str(x)

    keeps_bytes = False

    def get(self, *, collection, audience, z, x, y):
        folder = self._folder(collection, audience, z, x)
        found = super().get(collection=collection, audience=audience, z=z, x=x, y=y)
        if found is None:
            return None
        try:
            data = (folder / f"{y}.{found.etag}.mvt").read_bytes()
        except FileNotFoundError:
            return None
        return Tile(data=data, etag=found.etag, cached=True)

    def put(self, *, collection, audience, z, x, y, tile, snapshot):
        folder = self._folder(collection, audience, z, x)
        path = folder / f"{y}.{tile.etag}.mvt"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Readers see the whole file or none: written aside, then renamed into place.
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(tile.data)
            os.replace(temporary, path)
        except OSError as exc:
            # The tile is served all the same; a full or read-only disk costs speed, not data.
            logger.warning("tile cache: cannot write %s: %s", path, exc)
            return False
        stored = super().put(
            collection=collection, audience=audience, z=z, x=x, y=y, tile=tile, snapshot=snapshot
        )
        if not stored:
            path.unlink(missing_ok=True)
            return False
        for other in folder.glob(f"{y}.*.mvt"):
            if other != path:  # an older version of the tile, which no row names any more
                other.unlink(missing_ok=True)
        return True

    def invalidate(self, *, collection, bboxes_3857):
        # Only the rows go: a file without its row is never read, and the next render of that
        # tile replaces it. Dropping a whole collection also frees its disk.
        dropped = super().invalidate(collection=collection, bboxes_3857=bboxes_3857)
        if bboxes_3857 == [WORLD_3857] and SAFE_NAME.match(collection):
            shutil.rmtree(self.root / collection, ignore_errors=True)
        return dropped


class NoTileCache(TileCache):
    """Every request renders (for measuring cold tiles, or a deployment with a CDN)."""

    def get(self, **kwargs):
        return None

    def put(self, **kwargs):
        return False

    def invalidate(self, **kwargs):
        return 0


ENGINES = {"files": FileTileCache, "postgres": PostgresTileCache, "none": NoTileCache}


@cache
def tile_cache() -> TileCache:
    """The engine the ``TILE_CACHE`` setting names."""
    return engine_from_setting("TILE_CACHE", ENGINES)


def tile_get(*, collection: Collection, user: User, z: int, x: int, y: int) -> Tile:
    """The tile z/x/y of ``collection`` for ``user``: from the cache, or rendered (and then
    cached unless an edit raced with the render)."""
    tile_validate(z=z, x=x, y=y)
    return tile_cached(
        key=collection.id,
        audience=audience_of(collection=collection, user=user),
        z=z,
        x=x,
        y=y,
        render=lambda: tile_render(collection=collection, user=user, z=z, x=x, y=y),
    )


def tile_cached(
    *, key: str, audience: str, z: int, x: int, y: int, render: Callable[[], tuple[bytes, str]]
) -> Tile:
    """The cached tile ``key``/z/x/y, or ``render()`` (tile bytes and the snapshot it read)
    cached unless an edit raced with the render. ``key`` is a collection id or the name of a
    composite registered with :func:`tile_composite_register`."""
    engine = tile_cache()
    found = engine.get(collection=key, audience=audience, z=z, x=x, y=y)
    if found is not None:
        return found
    began = time.monotonic()
    data, snapshot = render()
    tile = Tile(data=data, etag=hashlib.md5(data, usedforsecurity=False).hexdigest(), cached=False)
    if time.monotonic() - began < MAX_CACHEABLE_RENDER_SECONDS:
        engine.put(collection=key, audience=audience, z=z, x=x, y=y, tile=tile, snapshot=snapshot)
    return tile


# A composite tile set (the public map's basemap) draws several collections in one tile; a
# change to any of them invalidates the composite's tiles too. Apps register their composites
# in AppConfig.ready, so the apps that change data never need to know who draws it.
_composites: dict[str, set[str]] = {}


def tile_composite_register(*, name: str, sources: set[str]) -> None:
    """Declare that the cached tiles ``name`` are drawn from the collections ``sources``."""
    for source in sources:
        _composites.setdefault(source, set()).add(name)


def _with_composites(collection_id: str) -> list[str]:
    return [collection_id, *sorted(_composites.get(collection_id, ()))]


def _bbox_3857(geom: GEOSGeometry) -> tuple[float, ...]:
    projected = geom.transform(3857, clone=True) if geom.srid != 3857 else geom
    return projected.extent


def tile_cache_invalidate(*, collection_id: str, geometries: list[GEOSGeometry]) -> int:
    """Call inside the transaction that changes features within ``geometries`` (old and new
    positions): drops exactly the cached tiles they touch."""
    boxes = [_bbox_3857(g) for g in geometries if g is not None and not g.empty]
    if not boxes:
        return 0
    return sum(
        tile_cache().invalidate(collection=key, bboxes_3857=boxes)
        for key in _with_composites(collection_id)
    )


def tile_cache_invalidate_collection(*, collection_id: str) -> int:
    """Drop every cached tile of a collection (its schema, style or audience changed)."""
    return sum(
        tile_cache().invalidate(collection=key, bboxes_3857=[WORLD_3857])
        for key in _with_composites(collection_id)
    )


# -- seeding: filling the cache before the public asks ---------------------------------------

# One seeding job renders at most this many tiles (z18 over a whole city is already ~100,000).
SEED_MAX_TILES = 50_000
_MERCATOR_MAX_LAT = 85.0511287798066


def tiles_covering(*, bbox: tuple[float, float, float, float], zoom: int) -> tuple[range, range]:
    """The x and y ranges of the XYZ tiles at ``zoom`` that cover ``bbox`` (west, south, east,
    north in degrees, EPSG:4326)."""
    west, south, east, north = bbox
    size = 2**zoom

    def column(lon: float) -> int:
        return min(size - 1, max(0, math.floor((lon + 180.0) / 360.0 * size)))

    def row(lat: float) -> int:
        lat = max(-_MERCATOR_MAX_LAT, min(_MERCATOR_MAX_LAT, lat))
        phi = math.radians(lat)
        y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * size
        return min(size - 1, max(0, math.floor(y)))

    return range(column(west), column(east) + 1), range(row(north), row(south) + 1)


def tile_seed_plan(
    *, bbox: tuple[float, float, float, float], min_zoom: int, max_zoom: int
) -> list[tuple[int, range, range]]:
    """The tiles a seeding of ``bbox`` (EPSG:4326 degrees) from ``min_zoom`` to ``max_zoom``
    renders, per zoom; refused when the zooms are out of range or the count is over
    ``SEED_MAX_TILES``."""
    if not 0 <= min_zoom <= max_zoom <= MAX_ZOOM:
        raise InvalidInput(
            f"Zooms run from 0 to {MAX_ZOOM}, the smallest first.", code="invalid_zoom"
        )
    plan = [(z, *tiles_covering(bbox=bbox, zoom=z)) for z in range(min_zoom, max_zoom + 1)]
    count = sum(len(xs) * len(ys) for _, xs, ys in plan)
    if count > SEED_MAX_TILES:
        raise InvalidInput(
            f"That is {count:,} tiles; one seeding renders at most {SEED_MAX_TILES:,}. "
            "Choose a smaller area or fewer zoom levels.",
            code="seed_too_large",
        )
    return plan


def tile_seed(
    *,
    collection: Collection,
    user: User,
    bbox: tuple[float, float, float, float],
    min_zoom: int,
    max_zoom: int,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict:
    """Render and cache the tiles of ``collection`` as ``user`` sees them (the public map's
    tiles when ``user`` is anonymous) over ``bbox`` (EPSG:4326 degrees), zoom by zoom. Tiles
    already cached are left as they are. Returns counts: tiles, rendered, already cached."""
    plan = tile_seed_plan(bbox=bbox, min_zoom=min_zoom, max_zoom=max_zoom)
    total = sum(len(xs) * len(ys) for _, xs, ys in plan)
    done = rendered = 0
    step = progress or (lambda done, total, message: None)
    for z, xs, ys in plan:
        for x in xs:
            for y in ys:
                if not tile_get(collection=collection, user=user, z=z, x=x, y=y).cached:
                    rendered += 1
                done += 1
                step(done, total, f"zoom {z}: {done:,} of {total:,} tiles")
    return {"tiles": total, "rendered": rendered, "already_cached": total - rendered}
