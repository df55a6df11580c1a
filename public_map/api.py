"""What the public map asks that needs two apps at once: the parcel at an address (the geocoder
of addressing finds the building, the cadastre of parcels the land under it). addressing and
parcels never import each other; the composition lives here, above both."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from addressing.geocoders import MAX_QUERY_LENGTH, geocoder
from core.errors import InvalidInput, NotFound
from core.text import text_check
from parcels.selectors import parcel_at_point, parcel_view
from public_map.selectors import map_identify, map_layers, map_search


class ParcelByAddressApi(APIView):
    """The parcel under the best match of an address (free text, Arabic or English, or a
    postcode), with the address it was read as."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("q", str, description="an address or a postcode")],
    )
    def get(self, request: Request) -> Response:
        # An address is plain text: markup or a control character (a NUL, which PostgreSQL
        # cannot even hold in a query) is refused with the reason, not searched for.
        query = text_check(
            request.query_params.get("q", ""), field="q", max_length=MAX_QUERY_LENGTH
        )
        found = [
            c for c in geocoder().search(query=query, limit=5).candidates if c.kind == "address"
        ]
        if not found:
            raise NotFound(f"No address matches {query!r}.", code="address_not_found")
        best = found[0]
        parcel = parcel_at_point(point=Point(best.lon, best.lat, srid=4326))
        return Response(
            {
                "address": {
                    "label_ar": best.label_ar,
                    "label_en": best.label_en,
                    "postcode": best.postcode,
                    "confidence": best.confidence,
                },
                "parcel": parcel_view(parcel, user=request.user, via=request.path),
            }
        )


def _float(params, name: str) -> float:
    try:
        value = float(params.get(name, ""))
    except ValueError:
        raise InvalidInput(f"{name} must be a number.", code="invalid_number") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number.", code="invalid_number")
    return value


MAX_SEARCH_LIMIT = 20


class MapSearchApi(APIView):
    """The public map's search box: addresses, postcodes, streets, places and parcels."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("q", str, description="what was typed"),
            OpenApiParameter("limit", int, description="1 to 20 (default 8)"),
        ],
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("limit", "8")
        # Strictly 1 to 20 in ASCII digits: "-5" or "1e3" is a mistake to report, not a
        # limit to bend into range.
        if not (
            raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= MAX_SEARCH_LIMIT
        ):
            raise InvalidInput(
                f"limit is a whole number from 1 to {MAX_SEARCH_LIMIT}, not {raw[:40]!r}.",
                code="invalid_limit",
            )
        return Response(map_search(query=request.query_params.get("q", ""), limit=int(raw)))


class MapIdentifyApi(APIView):
    """What is at a point: the address (postcode), the parcel (area, zoning) and the features
    of the listed layers, as the public may read them."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("lon", float, required=True),
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("zoom", float, description="the map's zoom (sets the reach)"),
            OpenApiParameter("layers", str, description="collection ids, comma-separated"),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        point = Point(_float(params, "lon"), _float(params, "lat"), srid=4326)
        zoom = _float(params, "zoom") if params.get("zoom") else 17.0
        layers = [c.strip() for c in params.get("layers", "").split(",") if c.strip()]
        return Response(
            map_identify(point=point, zoom=zoom, collection_ids=layers, user=request.user)
        )


class MapLayersApi(APIView):
    """Every layer the caller may see, with its style (legend) and the zoom it starts at."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(map_layers(user=request.user, language=request.LANGUAGE_CODE))
