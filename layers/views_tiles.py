"""Vector tile endpoints for every registered collection: the MVT tiles and their TileJSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.collections import registry
from core.selectors import collection_extent
from core.tiles import MAX_ZOOM, tile_get
from core.views import tile_cache_headers, tile_response


@require_GET
def tile(request: HttpRequest, collection_id: str, z: int, x: int, y: int) -> HttpResponse:
    collection = registry.get(collection_id, user=request.user)
    found = tile_get(collection=collection, user=request.user, z=z, x=x, y=y)
    return tile_response(request, found, public=collection.is_public)


@require_GET
def tilejson(request: HttpRequest, collection_id: str) -> JsonResponse:
    """TileJSON 3.0.0 describing the collection's vector tiles."""
    collection = registry.get(collection_id, user=request.user)
    template = request.build_absolute_uri(
        reverse("layers:tile", kwargs={"collection_id": collection.id, "z": 0, "x": 0, "y": 0})
    ).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    bounds = collection_extent(collection=collection, user=request.user)
    attribution = " · ".join(a["text"] for a in collection.attribution)
    if collection.is_synthetic:
        attribution = " · ".join(filter(None, ["Synthetic data", attribution]))
    lang = "ar" if request.LANGUAGE_CODE == "ar" else "en"
    document = {
        "tilejson": "3.0.0",
        "name": collection.title.get(lang) or collection.title["en"],
        "description": collection.description.get(lang, ""),
        "version": collection.version,
        "attribution": attribution,
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [
            {
                "id": collection.id,
                "fields": {f.name: f.type for f in collection.fields(user=request.user)},
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
            }
        ],
    }
    if bounds:
        document["bounds"] = list(bounds)
        document["center"] = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 14]
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    tile_cache_headers(response, public=collection.is_public)
    return response
