from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser

from core.parsers import JSONBodyParser
from core.selectors import system_health
from core.tiles import Tile


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and ``./platform run``: 200 or 503."""
    health = system_health()
    ok = health["database"] == "ok" and health["broker"] == "ok"
    return JsonResponse({"status": "ok" if ok else "degraded", **health}, status=200 if ok else 503)


MVT = "application/vnd.mapbox-vector-tile"


def tile_cache_headers(response: HttpResponse, *, public: bool) -> None:
    # Clients keep tiles but ask again every time (answered 304 while unchanged), so an edit
    # shows on the very next request.
    response["Cache-Control"] = f"{'public' if public else 'private'}, no-cache"
    response["Vary"] = "Cookie, Authorization"


def tile_response(request: HttpRequest, tile: Tile, *, public: bool) -> HttpResponse:
    """A vector tile, or 304 when the client holds this version already."""
    etag = f'"{tile.etag}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(tile.data, content_type=MVT)
    response["ETag"] = etag
    response["X-Tile-Cache"] = "hit" if tile.cached else "miss"
    tile_cache_headers(response, public=public)
    return response


class TokenView(ObtainAuthToken):
    """DRF's token endpoint (user name and password for an API token), reading JSON with the
    platform's parser, which refuses nesting too deep to parse instead of failing."""

    parser_classes = [JSONBodyParser, FormParser, MultiPartParser]
