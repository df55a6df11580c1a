"""Collection work that runs as a background job: exports (the same parameters as the download,
``/api/v1/collections/<id>/export``, for collections too big to write in a web request) and
tile seeding (filling the public tile cache before the public asks)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CoordinateField
from core.collections import registry
from core.errors import InvalidInput
from core.parsers import JSONBodyParser
from core.selectors import collection_extent
from core.tiles import MAX_ZOOM, tile_seed_plan
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue
from layers.api import MayManageLayers
from layers.tasks import collection_export_job, tiles_seed_job
from layers.views_export import export_options


class ExportJobSerializer(serializers.Serializer):
    format = serializers.CharField(required=False, help_text="gpkg (default), geojson, csv, shp")
    crs = serializers.CharField(required=False, help_text="an EPSG code from the allow-list")
    bbox = serializers.CharField(required=False, help_text="minx,miny,maxx,maxy")


class CollectionExportJobApi(APIView):
    """Start an export job; follow it at the job's URL and download its file when done."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONBodyParser]

    @extend_schema(
        request=ExportJobSerializer,
        responses={202: JobSerializer},
        examples=[OpenApiExample("GeoPackage in Palestine 1923", {"crs": "EPSG:28191"})],
    )
    def post(self, request: Request, collection_id: str) -> Response:
        collection = registry.get(collection_id, user=request.user)
        if not isinstance(request.data, dict):
            raise InvalidInput("Send a JSON object of export parameters.", code="invalid_body")
        options = export_options(request.data)
        params = {
            "collection": collection.id,
            "user_id": request.user.pk,
            "format": options.format,
            "crs": options.crs,
            "bbox": options.bbox.wkt if options.bbox else None,
        }
        job = job_enqueue(task=collection_export_job, params=params, user=request.user)
        return job_accepted_response(job=job, request=request)


class SeedSerializer(serializers.Serializer):
    min_zoom = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM)
    max_zoom = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM)
    bbox = serializers.ListField(
        child=CoordinateField(min_value=-180, max_value=180),
        min_length=4,
        max_length=4,
        required=False,
        help_text="west, south, east, north in degrees; the public features' extent if absent",
    )


class TileSeedApi(APIView):
    """Start filling the public tile cache of a collection (planners and administrators)."""

    permission_classes = [IsAuthenticated, MayManageLayers]
    parser_classes = [JSONBodyParser]

    @extend_schema(request=SeedSerializer, responses={202: JobSerializer})
    def post(self, request: Request, collection_id: str) -> Response:
        collection = registry.get(collection_id, user=request.user)
        public = AnonymousUser()
        if not collection.is_visible_to(user=public):
            raise InvalidInput(
                "Only tiles the public sees are seeded; this collection is not public.",
                code="not_public",
            )
        serializer = SeedSerializer(data=request.data)
        if not serializer.is_valid():
            field, errors = next(iter(serializer.errors.items()))
            raise InvalidInput(f"{field}: {errors[0]}", code="invalid_request")
        data = serializer.validated_data
        bbox = data.get("bbox") or collection_extent(collection=collection, user=public)
        if bbox is None:
            raise InvalidInput("The collection has no public features to seed.", code="empty")
        west, south, east, north = bbox
        if west > east or south > north or not (south >= -90 and north <= 90):
            raise InvalidInput("bbox is west, south, east, north in degrees.", code="invalid_bbox")
        tile_seed_plan(bbox=tuple(bbox), min_zoom=data["min_zoom"], max_zoom=data["max_zoom"])
        params = {
            "collection": collection.id,
            "bbox": list(bbox),
            "min_zoom": data["min_zoom"],
            "max_zoom": data["max_zoom"],
        }
        job = job_enqueue(task=tiles_seed_job, params=params, user=request.user)
        return job_accepted_response(job=job, request=request)
