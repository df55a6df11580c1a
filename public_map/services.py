"""Writes of the public map: rebuilding the basemap's city blocks."""

from __future__ import annotations

from django.db import transaction

from boundaries.models import Municipality
from core.tiles import tile_cache_invalidate_collection
from public_map import sql
from public_map.basemap import BASEMAP


@transaction.atomic
def basemap_blocks_rebuild(*, municipalities: list[Municipality] | None = None) -> int:
    """Derive the city blocks of ``municipalities`` (default: every municipality with
    streets) from the street register: the faces of the street network inside the municipal
    boundary (EPSG:4326). Drops the cached basemap tiles; returns the number of blocks."""
    if municipalities is None:
        municipalities = list(Municipality.objects.filter(streets__isnull=False).distinct())
    built = sum(sql.blocks_rebuild(municipality_id=m.pk) for m in municipalities)
    tile_cache_invalidate_collection(collection_id=BASEMAP)
    return built
