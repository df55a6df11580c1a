"""The basemap's vector tiles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.views import tile_response
from public_map.basemap import basemap_tile_get


@require_GET
def basemap_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    return tile_response(request, basemap_tile_get(z=z, x=x, y=y), public=True)
