"""Helpers shared by every app's API views (views stay thin: parse, call, serialise)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.text import DEFAULT_MAX_LENGTH, text_check


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` and ``offset`` as DRF reads them, except that a value which is not a
    whole number in range is refused with a 400 instead of being quietly replaced by the
    default: a client that asked for something else should know it did not get it."""

    max_limit = 1000

    def _strict(self, request: Request, name: str, *, low: int, high: int | None) -> None:
        raw = request.query_params.get(name)
        if raw is None:
            return
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= (high or 2**63 - 1):
            limit = f"from {low} to {high:,}" if high else f"{low} or more"
            raise InvalidInput(
                f"{name} is a whole number {limit}, not {raw[:40]!r}.",
                code=f"invalid_{name}",
            )

    def paginate_queryset(self, queryset, request, view=None):
        self._strict(request, self.limit_query_param, low=1, high=self.max_limit)
        self._strict(request, self.offset_query_param, low=0, high=None)
        return super().paginate_queryset(queryset, request, view)


def paginated_response(
    *,
    queryset: QuerySet,
    serializer_class: type[BaseSerializer],
    request: Request,
    view: APIView,
    pagination_class: type[LimitOffsetPagination] = StrictLimitOffsetPagination,
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


class PlainTextField(serializers.CharField):
    """Free text from a client: at most ``max_length`` characters (2,000 unless given), no
    markup, no control characters (``multiline`` allows tab and line breaks); see core.text."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", DEFAULT_MAX_LENGTH)
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return text_check(
                value, field=self.field_name, max_length=self.max_length, multiline=self.multiline
            )
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from error


class CoordinateField(serializers.FloatField):
    """A finite number (DRF refuses NaN and infinities); JSON true or false is not one."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)
