"""Helpers shared by every app's API views (views stay thin: parse, call, serialise)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


def paginated_response(
    *,
    queryset: QuerySet,
    serializer_class: type[BaseSerializer],
    request: Request,
    view: APIView,
    pagination_class: type[LimitOffsetPagination] = LimitOffsetPagination,
) -> Response:
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


class GeoJSONRenderer(JSONRenderer):
    """``application/geo+json`` (RFC 7946), the type GIS clients expect for GeoJSON."""

    media_type = "application/geo+json"
    format = "geojson"


def feature_collection(
    *, rows: list[dict[str, Any]], attribution: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from rows holding a ``geojson`` text (from ``AsGeoJSON``)
    and the feature's properties; ``id`` becomes the feature id."""
    features = []
    for row in rows:
        properties = {k: v for k, v in row.items() if k not in {"geojson", "id"}}
        features.append(
            {
                "type": "Feature",
                "id": row.get("id"),
                "geometry": json.loads(row["geojson"]) if row.get("geojson") else None,
                "properties": properties,
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if attribution is not None:
        collection["attribution"] = attribution
    return collection
