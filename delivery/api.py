"""The citizen's side of document delivery, as a JSON API: prove a document is yours, check
a delivery point, list offices, order, track (with who on the staff read the order), rate the
delivery. No login: a document is proved by its reference and the holder's phone, an order is
read and rated through its secret tracking token."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime

from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone
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
    feedback_view,
    office_view,
    offices_nearest,
    order_by_token,
    order_tracking_view,
    reference_masked,
)
from delivery.services import (
    delivery_feedback_give,
    delivery_order_create,
    document_request_verify,
)

# The years a date and time sent to the API may fall in: wide enough for any delivery, narrow
# enough that arithmetic on it (a day later, local time) never leaves what Python can hold.
MOMENT_RANGE = (2000, 2100)


def body_object(data) -> Mapping:
    """A request's data when it is an object of named fields (a JSON object or a form);
    InvalidInput for a JSON array, string or number."""
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "The body is a JSON object of named fields, not a list or a single value.",
            code="invalid_body",
        )
    return data


def point_param(data) -> Point | None:
    """The point of ``lon``/``lat`` in a request's data (EPSG:4326), None when both are absent."""
    if data.get("lon") in (None, "") and data.get("lat") in (None, ""):
        return None
    values = (data.get("lon"), data.get("lat"))
    if any(isinstance(v, bool) or not isinstance(v, str | int | float) for v in values):
        raise InvalidInput("lon and lat are numbers (degrees).", code="invalid_number")
    try:
        lon, lat = (float(v) for v in values)
    except ValueError:
        raise InvalidInput("lon and lat are numbers (degrees).", code="invalid_number") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(
            "Longitude runs from -180 to 180 and latitude from -90 to 90.",
            code="coordinates_out_of_range",
        )
    return Point(lon, lat, srid=4326)


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")


def integer_param(value, name: str) -> int | None:
    """A whole-number parameter ``name`` (None when absent): an integer, or its decimal
    digits as text; not a fraction, a boolean, a list or digits of another script."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    raise InvalidInput(f"{name} is a whole number.", code="invalid_number")


def text_param(data, name: str) -> str:
    """A text field ``name`` of a request's data (empty when absent)."""
    value = data.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{name} is text.", code="invalid_text")
    return value


# The start of an ISO 8601 date and time in its extended form: a date and at least hours and
# minutes (Python also reads a bare date, or 20261206T0900, which clients never mean).
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


def moment_param(value, name: str) -> datetime | None:
    """A date and time (ISO 8601) ``name`` of a request's data, None when absent; one without
    an offset is the platform's local time."""
    if value is None or value == "":
        return None
    problem = InvalidInput(
        f"{name} is a date and time such as 2026-12-06T09:00+02:00 (ISO 8601).",
        code="invalid_date",
    )
    if not isinstance(value, str) or not _MOMENT.match(value.strip()):
        raise problem
    try:
        moment = parse_datetime(value.strip())
    except ValueError:  # the shape of a date and time, but no such moment (February 30th)
        raise problem from None
    if moment is None:
        raise problem
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            raise problem from None
    if not MOMENT_RANGE[0] <= moment.year <= MOMENT_RANGE[1]:
        raise InvalidInput(
            f"{name} is a moment between the years {MOMENT_RANGE[0]} and {MOMENT_RANGE[1]}.",
            code="date_out_of_range",
        )
    return moment


def _tracking_url(request: Request, token: str) -> str:
    return reverse("delivery:track", kwargs={"token": token})


class DocumentCheckApi(APIView):
    """Whether a reference and phone number name a document waiting for delivery."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # no session, so no CSRF: nothing here is ambient

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = body_object(request.data)
        document = document_request_verify(
            reference=text_param(data, "reference"), phone=text_param(data, "phone")
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
            raise InvalidInput(
                "Give a point (lon and lat) to find the nearest offices.", code="point_missing"
            )
        return Response(
            [office_view(o, distance_m=d) for o, d in offices_nearest(point=point, limit=5)]
        )


class DeliveryOrderApi(APIView):
    """Order the delivery (or the collection) of a document; answers its tracking link."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = body_object(request.data)
        order = delivery_order_create(
            reference=text_param(data, "reference"),
            phone=text_param(data, "phone"),
            method=text_param(data, "method"),
            contact_name=text_param(data, "contact_name"),
            building_id=integer_param(data.get("address"), "address"),
            point=point_param(data),
            window_start=moment_param(data.get("window_start"), "window_start"),
            office_id=integer_param(data.get("office"), "office"),
        )
        return Response(
            {"tracking_url": _tracking_url(request, order.tracking_token), "status": order.status},
            status=201,
        )


class DeliveryTrackApi(APIView):
    """An order as its tracking link's holder reads it, with their rating and the staff's
    reads of its personal data (by role, office and page)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, token: str) -> Response:
        response = Response(order_tracking_view(order_by_token(token=token)))
        response["Cache-Control"] = "private, no-store"
        return response


class DeliveryFeedbackApi(APIView):
    """The citizen rates the delivery (``rating`` 1 to 5, optional ``comment``), once, after
    the courier handed the document over. 201 with the feedback; 409 ``not_delivered`` before
    that, 409 ``feedback_given`` the second time."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # the tracking token in the path is the credential

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request, token: str) -> Response:
        order = order_by_token(token=token)
        data = body_object(request.data)
        # A client with nothing to say may send no comment, an empty one or null.
        comment = "" if data.get("comment") is None else text_param(data, "comment")
        feedback = delivery_feedback_give(
            order=order, rating=integer_param(data.get("rating"), "rating"), comment=comment
        )
        response = Response({"feedback": feedback_view(feedback)}, status=201)
        response["Cache-Control"] = "private, no-store"
        return response
