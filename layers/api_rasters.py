"""Raster layers over HTTP: list, upload (a job), zonal statistics, and PNG tiles."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PlainTextField, paginated_response
from core.collections import registry
from core.errors import Conflict, InvalidInput
from core.geometry import geometry_check_size, geometry_from_geojson
from core.tiles import MAX_ZOOM
from core.uploads import upload_check_size
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue
from layers.api import MayManageLayers
from layers.models import Raster, RasterKind, Visibility
from layers.rasters import raster_get, raster_list, raster_tile_png, raster_zonal_statistics
from layers.services.rasters import raster_inspect
from layers.services.registry import layer_check_slug
from layers.tasks import raster_create_job
from layers.uploads import upload_stored_checked


class RasterOutputSerializer(serializers.ModelSerializer):
    extent = serializers.SerializerMethodField()
    tiles = serializers.SerializerMethodField()

    class Meta:
        model = Raster
        fields = [
            "slug", "title_en", "title_ar", "kind", "visibility", "crs", "extent", "width",
            "height", "bands", "dtype", "resolution", "value_min", "value_max", "source",
            "attribution", "is_synthetic", "tiles", "created_at", "updated_at",
        ]  # fmt: skip

    def get_extent(self, raster: Raster) -> list[float]:
        return list(raster.extent.extent)

    def get_tiles(self, raster: Raster) -> str:
        return self.context["request"].build_absolute_uri(f"/tiles/rasters/{raster.slug}.json")


class RasterUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    slug = serializers.SlugField(max_length=60)
    title_en = PlainTextField(max_length=200)
    title_ar = PlainTextField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=RasterKind.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    source = PlainTextField(max_length=300, required=False, allow_blank=True)
    attribution = PlainTextField(max_length=300, required=False, allow_blank=True)
    is_synthetic = serializers.BooleanField(required=False)


class ZonalStatisticsSerializer(serializers.Serializer):
    geometry = serializers.DictField(required=False, help_text="GeoJSON polygon, WGS 84")
    collection = serializers.SlugField(required=False, help_text="or a feature of a collection")
    feature = serializers.CharField(required=False, max_length=100)

    def validate(self, data):
        if ("geometry" in data) == ("collection" in data and "feature" in data):
            raise serializers.ValidationError("Give a geometry, or a collection and a feature.")
        return data


class RasterListApi(APIView):
    permission_classes = [MayManageLayers]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=RasterOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            queryset=raster_list(user=request.user),
            serializer_class=RasterOutputSerializer,
            request=request,
            view=self,
        )

    @extend_schema(request=RasterUploadSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        upload_check_size(request)
        serializer = RasterUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload = data.pop("file")
        if upload.size == 0:
            raise InvalidInput("The uploaded file is empty.", code="empty_file")
        layer_check_slug(slug=data["slug"])
        if Raster.objects.filter(slug=data["slug"]).exists():
            raise Conflict(f"A raster {data['slug']!r} exists already.", code="duplicate_slug")
        # Refused now, with the reason, rather than by the job a moment later.
        stored = upload_stored_checked(
            upload, lambda path: raster_inspect(path=path, kind=data["kind"])
        )
        job = job_enqueue(
            task=raster_create_job,
            params={"upload": stored, "user_id": request.user.pk, "raster": data},
            user=request.user,
        )
        return job_accepted_response(job=job, request=request)


class RasterDetailApi(APIView):
    @extend_schema(responses=RasterOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        raster = raster_get(user=request.user, slug=slug)
        return Response(RasterOutputSerializer(raster, context={"request": request}).data)


class RasterZonalStatisticsApi(APIView):
    permission_classes = []

    @extend_schema(request=ZonalStatisticsSerializer, responses={200: dict})
    def post(self, request: Request, slug: str) -> Response:
        raster = raster_get(user=request.user, slug=slug)
        serializer = ZonalStatisticsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "geometry" in data:
            polygon = geometry_from_geojson(data["geometry"])
            geometry_check_size(geometry=polygon)
            if not polygon.valid:
                raise InvalidInput(
                    f"The polygon is not valid: {polygon.valid_reason}.", code="invalid_geometry"
                )
        else:
            collection = registry.get(data["collection"], user=request.user)
            feature = _feature(collection, request, data["feature"])
            polygon = getattr(feature, collection.geometry_field)
        return Response(raster_zonal_statistics(raster=raster, polygon=polygon))


def _feature(collection, request: Request, feature_id: str):
    """The feature ``feature_id`` of ``collection`` that the user may see, or InvalidInput."""
    missing = InvalidInput(
        f"{collection.id} has no feature {feature_id[:40]!r}.", code="unknown_feature"
    )
    try:
        # Keys are numbers for most collections and text for some: the database decides.
        with transaction.atomic():
            feature = collection.queryset(user=request.user).filter(pk=feature_id).first()
    except (ValueError, TypeError, DjangoValidationError, DataError):
        raise missing from None
    if feature is None:
        raise missing
    return feature


@require_GET
def raster_tile(request: HttpRequest, slug: str, z: int, x: int, y: int) -> HttpResponse:
    raster = raster_get(user=request.user, slug=slug)
    # A tile only changes when the raster is replaced: its ETag needs no rendering.
    etag = f'"{raster.slug}-{raster.version}-{z}-{x}-{y}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            raster_tile_png(raster=raster, z=z, x=x, y=y), content_type="image/png"
        )
    response["ETag"] = etag
    public = raster.visibility == Visibility.PUBLIC
    response["Cache-Control"] = f"{'public' if public else 'private'}, no-cache"
    return response


@require_GET
def raster_tilejson(request: HttpRequest, slug: str) -> JsonResponse:
    raster = raster_get(user=request.user, slug=slug)
    template = request.build_absolute_uri(
        reverse("layers:raster-tile", kwargs={"slug": slug, "z": 0, "x": 0, "y": 0})
    ).replace("/0/0/0.png", "/{z}/{x}/{y}.png")
    west, south, east, north = raster.extent.extent
    attribution = " · ".join(
        filter(None, ["Synthetic data" if raster.is_synthetic else "", raster.attribution])
    )
    return JsonResponse(
        {
            "tilejson": "3.0.0",
            "name": raster.title_en,
            "version": str(raster.version),
            "attribution": attribution,
            "scheme": "xyz",
            "tiles": [template],
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "bounds": [west, south, east, north],
            "center": [(west + east) / 2, (south + north) / 2, 14],
        },
        json_dumps_params={"ensure_ascii": False},
    )
