"""Routing as a JSON API: routes between points, travel-time matrices, and closures."""

from __future__ import annotations

import json
import math

from django.contrib.gis.geos import Point
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound
from core.geometry import geometry_from_geojson
from core.roles import Role, user_has_role
from routing.models import Closure
from routing.selectors import route_find, travel_matrix
from routing.services import closure_create, closure_lift


def point_parse(text: str, name: str) -> Point:
    """``lon,lat`` in degrees (EPSG:4326)."""
    try:
        lon, lat = (float(v) for v in (text or "").split(","))
    except ValueError:
        raise InvalidInput(f"{name} is 'lon,lat' in degrees.", code="invalid_point") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{name}: longitude runs from -180 to 180, latitude from -90 to 90.")
    return Point(lon, lat, srid=4326)


class RouteApi(APIView):
    """The fastest (or shortest) route between two points."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("from", str, required=True, description="lon,lat"),
            OpenApiParameter("to", str, required=True, description="lon,lat"),
            OpenApiParameter("metric", str, description="fastest (default) or shortest"),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        return Response(
            route_find(
                origin=point_parse(params.get("from", ""), "from"),
                destination=point_parse(params.get("to", ""), "to"),
                metric=params.get("metric", "fastest"),
            )
        )


class MatrixApi(APIView):
    """Travel times (or distances) between many points: ``{"points": [[lon, lat], ...]}``."""

    permission_classes = [AllowAny]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request) -> Response:
        points = request.data.get("points") if isinstance(request.data, dict) else None
        if not isinstance(points, list) or not points:
            raise InvalidInput("Give points: a list of [lon, lat].", code="matrix_points")
        parsed = []
        for i, p in enumerate(points):
            if not (isinstance(p, list) and len(p) == 2):
                raise InvalidInput(f"Point {i} is not [lon, lat].", code="invalid_point")
            parsed.append(point_parse(f"{p[0]},{p[1]}", f"point {i}"))
        metric = request.data.get("metric", "fastest")
        values = travel_matrix(points=parsed, metric=metric)
        unit = "s" if metric == "fastest" else "m"
        return Response({"metric": metric, "unit": unit, "values": values})


class IsPlanner(BasePermission):
    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.PLANNER, Role.DISPATCHER, Role.ADMINISTRATOR)


def _closure_view(closure: Closure) -> dict:
    return {
        "id": closure.pk,
        "geometry": json.loads(closure.geom.json),
        "reason_ar": closure.reason_ar,
        "reason_en": closure.reason_en,
        "starts_at": closure.starts_at,
        "ends_at": closure.ends_at,
    }


class ClosuresApi(APIView):
    """Temporary closures: everyone may read them; planners and dispatchers add them."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsPlanner()]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response([_closure_view(c) for c in Closure.objects.all()[:500]])

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise InvalidInput("The body is a JSON object.", code="invalid_body")
        geom = geometry_from_geojson(data.get("geometry"))
        starts_at = parse_datetime(str(data.get("starts_at", "")))
        ends_raw = data.get("ends_at")
        ends_at = parse_datetime(str(ends_raw)) if ends_raw else None
        if starts_at is None or (ends_raw and ends_at is None):
            raise InvalidInput(
                "starts_at and ends_at are dates and times (ISO 8601).", code="invalid_date"
            )
        closure = closure_create(
            geom=geom,
            starts_at=starts_at,
            ends_at=ends_at,
            reason_ar=str(data.get("reason_ar", "")),
            reason_en=str(data.get("reason_en", "")),
            user=request.user,
        )
        return Response(_closure_view(closure), status=201)


class ClosureLiftApi(APIView):
    permission_classes = [IsPlanner]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        closure = Closure.objects.filter(pk=pk).first()
        if closure is None:
            raise NotFound(f"There is no closure {pk}.", code="closure_not_found")
        return Response(_closure_view(closure_lift(closure=closure, user=request.user)))
