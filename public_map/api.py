"""What the public map asks that needs two apps at once: the parcel at an address (the geocoder
of addressing finds the building, the cadastre of parcels the land under it). addressing and
parcels never import each other; the composition lives here, above both."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from addressing.geocoders import MAX_QUERY_LENGTH, geocoder
from core.errors import InvalidInput, NotFound
from parcels.api import parcel_view
from parcels.selectors import parcel_at_point


class ParcelByAddressApi(APIView):
    """The parcel under the best match of an address (free text, Arabic or English, or a
    postcode), with the address it was read as."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("q", str, description="an address or a postcode")],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > MAX_QUERY_LENGTH:
            raise InvalidInput(f"The address is longer than {MAX_QUERY_LENGTH} characters.")
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
                "parcel": parcel_view(parcel, user=request.user),
            }
        )
