"""The public map's basemap: one vector tile per z/x/y with every layer a citizen's map needs
(municipal land, blocks, buildings, boundaries, streets, places, house numbers, labels), drawn
from the platform's own registers so that the map asks no other host for anything.

Tiles are Web Mercator (EPSG:3857), XYZ, encoded by PostGIS and kept in the platform's tile
cache under the name ``basemap``; a change to any source collection invalidates exactly the
basemap tiles it touches (core.tiles composites).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from addressing.models import Street
from boundaries.sources import ATTRIBUTIONS, Dataset
from core.tiles import Tile, tile_cached, tile_validate
from public_map import sql

BASEMAP = "basemap"
BASEMAP_LAYERS = sql.BASEMAP_LAYERS
# The collections whose changes the basemap shows (core.tiles invalidates it with them).
BASEMAP_SOURCES = {
    "municipalities",
    "governorates",
    "localities",
    "streets",
    "addresses",
    "areas",
    "places",
}
# Beyond this zoom the client enlarges the tiles of this zoom: they hold every feature.
BASEMAP_MAX_DATA_ZOOM = 15


def basemap_tile_get(*, z: int, x: int, y: int) -> Tile:
    """The basemap tile z/x/y (EPSG:3857 XYZ), from the cache or rendered."""
    tile_validate(z=z, x=x, y=y)
    return tile_cached(
        key=BASEMAP,
        audience="public",
        z=z,
        x=x,
        y=y,
        render=lambda: sql.basemap_tile_render(z=z, x=x, y=y),
    )


def basemap_attribution() -> list[dict[str, str]]:
    """Whose data the basemap draws (boundaries from OCHA, places from OpenStreetMap), and
    a warning when its streets or buildings are synthetic demo data."""
    credits = [
        ATTRIBUTIONS[d].as_dict() for d in (Dataset.OCHA_COD_AB, Dataset.OCHA_VILLAGES, Dataset.OSM)
    ]
    if Street.objects.filter(is_synthetic=True).exists():
        text = _("Streets and buildings: synthetic demo data (generated, not surveyed)")
        credits.insert(0, {"text": str(text), "licence": "", "url": ""})
    return credits


def basemap_page_config() -> dict:
    """What a staff or citizen page's script needs to draw the platform's basemap: the tile
    URL, the zoom the tiles stop at, the attribution, and the municipality's extent (None
    before boundaries are loaded)."""
    from boundaries.selectors import municipality_current
    from core.errors import NotFound

    try:
        bounds = municipality_current().geom.extent
    except NotFound:
        bounds = None
    return {
        "basemap": {
            "url": "/basemap/{z}/{x}/{y}.mvt",
            "maxDataZoom": BASEMAP_MAX_DATA_ZOOM,
            "attribution": basemap_attribution(),
        },
        "bounds": bounds,
    }
