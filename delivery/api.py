"""The citizen's side of document delivery, as a JSON API: prove a document is yours, check
a delivery point, list offices, order, track. No login: a document is proved by its reference
and the holder's phone, an order is read through its secret tracking token."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from delivery.selectors import (
    delivery_point_find,
    delivery_point_view,
    office_view,
    offices_nearest,
    order_by_token,
    order_tracking_view,
    reference_masked,
)
from delivery.services import delivery_order_create, document_request_verify


def point_param(data) -> Point | None:
    """The point of ``lon``/``lat`` in a request's data (EPSG:4326), None when both are absent."""
    if data.get("lon") in (None, "") and data.get("lat") in (None, ""):
        return None
    try:
        lon, lat = float(data.get("lon")), float(data.get("lat"))
    except (TypeError, ValueError):
        raise InvalidInput("lon and lat are numbers (degrees).", code="invalid_number") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
    return Point(lon, lat, srid=4326)


def integer_param(value, name: str) -> int | None:
    """A whole-number parameter ``name`` (None when absent)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} is a whole number.", code="invalid_number") from None


def text_param(data, name: str) -> str:
    """A text field ``name`` of a request's data (empty when absent)."""
    value = data.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{name} is text.")
    return value


def _tracking_url(request: Request, token: str) -> str:
    return reverse("delivery:track", kwargs={"token": token})


class DocumentCheckApi(APIView):
    """Whether a reference and phone number name a document waiting for delivery."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # no session, so no CSRF: nothing here is ambient

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request) -> Response:
        document = document_request_verify(
            reference=text_param(request.data, "reference"), phone=text_param(request.data, "phone")
        )
        order = getattr(document, "order", None)
        return Response(
            {
                "reference": reference_masked(document.reference),
                "kind": document.kind,
                "title_ar": document.title_ar,
                "title_en": document.title_en,
                "synthetic": document.is_synthetic,
                "already_requested": order is not None and order.status != "cancelled",
            }
        )


class DeliveryPointApi(APIView):
    """The delivery point of an address (``address``) or of a point on the map (``lon``,
    ``lat``): its postcode, the office that serves it and the windows offered."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("address", int),
            OpenApiParameter("lon", float),
            OpenApiParameter("lat", float),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        found = delivery_point_find(
            building_id=integer_param(params.get("address"), "address"), point=point_param(params)
        )
        return Response(delivery_point_view(found))


class OfficesNearestApi(APIView):
    """The offices nearest to a point where documents can be collected, with distance (m)
    and opening hours."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("lon", float), OpenApiParameter("lat", float)],
    )
    def get(self, request: Request) -> Response:
        point = point_param(request.query_params)
        if point is None:
            raise InvalidInput("Give a point (lon and lat) to find the nearest offices.")
        return Response(
            [office_view(o, distance_m=d) for o, d in offices_nearest(point=point, limit=5)]
        )


class DeliveryOrderApi(APIView):
    """Order the delivery (or the collection) of a document; answers its tracking link."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = request.data
        window = text_param(data, "window_start")
        window_start = parse_datetime(window) if window else None
        if window and window_start is None:
            raise InvalidInput("window_start is a date and time (ISO 8601).", code="window_invalid")
        order = delivery_order_create(
            reference=text_param(data, "reference"),
            phone=text_param(data, "phone"),
            method=text_param(data, "method"),
            contact_name=text_param(data, "contact_name"),
            building_id=integer_param(data.get("address"), "address"),
            point=point_param(data),
            window_start=window_start,
            office_id=integer_param(data.get("office"), "office"),
        )
        return Response(
            {"tracking_url": _tracking_url(request, order.tracking_token), "status": order.status},
            status=201,
        )


class DeliveryTrackApi(APIView):
    """An order as its tracking link's holder reads it."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, token: str) -> Response:
        response = Response(order_tracking_view(order_by_token(token=token)))
        response["Cache-Control"] = "private, no-store"
        return response
