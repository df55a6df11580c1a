"""File uploads that start an import job (202 Accepted, then follow the job's progress)."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PlainTextField
from core.crs import crs_parse, srid_of
from core.errors import InvalidInput
from core.text import text_check
from core.uploads import upload_check_size
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue
from layers.api import MayManageLayers
from layers.importers import ReadOptions, importer_for
from layers.models import Visibility
from layers.selectors import layer_get
from layers.services.imports import ON_ERROR
from layers.services.registry import layer_check_slug
from layers.tasks import layer_import_job
from layers.uploads import upload_stored_checked


@extend_schema_field(OpenApiTypes.STR)
class CRSField(serializers.Field):
    """An EPSG code from the allow-list (core.crs), as a number, ``EPSG:n`` or an OGC URI.
    Never text for GDAL or PROJ to interpret; an empty value is refused, not ignored."""

    def get_value(self, dictionary):
        # DRF skips an empty form value of an optional field; a blank CRS is an error here.
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError("An EPSG code such as 28191.", code="invalid")
        try:
            code = crs_parse(str(data))
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from error
        return srid_of(code)

    def to_representation(self, value: int) -> int:
        return value


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    layer = serializers.SlugField(required=False, help_text="an existing layer's slug")
    new_slug = serializers.SlugField(required=False, max_length=60)
    new_title_en = PlainTextField(required=False, max_length=200)
    new_title_ar = PlainTextField(required=False, max_length=200, allow_blank=True)
    new_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    source_layer = PlainTextField(required=False, max_length=200)
    crs = CRSField(required=False, help_text="EPSG code, for files without one")
    x_column = PlainTextField(required=False, max_length=100)
    y_column = PlainTextField(required=False, max_length=100)
    wkt_column = PlainTextField(required=False, max_length=100)
    mapping = serializers.CharField(
        required=False, max_length=20_000, help_text='JSON {"column": "field"}'
    )
    repair = serializers.BooleanField(required=False, default=False)
    on_error = serializers.ChoiceField(choices=ON_ERROR, required=False, default="fail")
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if ("layer" in data) == ("new_slug" in data):
            raise serializers.ValidationError("Give either layer or new_slug.")
        if "mapping" in data:
            try:
                mapping = json.loads(data["mapping"])
            except (json.JSONDecodeError, RecursionError):
                raise serializers.ValidationError({"mapping": "not JSON"}) from None
            if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
            ):
                raise serializers.ValidationError({"mapping": "an object of column: field"})
            try:
                for column, target in mapping.items():
                    text_check(column, field="mapping (a column)", max_length=200)
                    text_check(target, field="mapping (a field)", max_length=63)
            except InvalidInput as error:
                raise serializers.ValidationError({"mapping": error.message}) from error
            data["mapping"] = mapping
        return data


class LayerImportApi(APIView):
    permission_classes = [MayManageLayers]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        upload_check_size(request)
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["file"].size == 0:
            raise InvalidInput("The uploaded file is empty.", code="empty_file")
        if "layer" in data:
            layer_get(user=request.user, slug=data["layer"])  # 404 for what they cannot see
        else:
            layer_check_slug(slug=data["new_slug"])  # 409 now rather than from the job
        options = ReadOptions(
            layer=data.get("source_layer"),
            crs=data.get("crs"),
            x_column=data.get("x_column"),
            y_column=data.get("y_column"),
            wkt_column=data.get("wkt_column"),
        )
        # The file's structure (archive, format, CRS, layer and columns) is checked now, so a
        # file that cannot be imported is refused with the reason and no job is recorded.
        stored = upload_stored_checked(
            data["file"], lambda path: importer_for(path).check(path, options=options)
        )
        params = {
            "upload": stored,
            "user_id": request.user.pk,
            "layer": data.get("layer"),
            "new_layer": {
                "slug": data["new_slug"],
                "title_en": data.get("new_title_en") or data["new_slug"],
                "title_ar": data.get("new_title_ar", ""),
                "visibility": data.get("new_visibility", Visibility.INTERNAL),
            }
            if "new_slug" in data
            else None,
            "options": {
                key: data[key]
                for key in ("source_layer", "crs", "x_column", "y_column", "wkt_column")
                if key in data
            },
            "mapping": data.get("mapping"),
            "repair": data["repair"],
            "on_error": data["on_error"],
            "dry_run": data["dry_run"],
        }
        if "source_layer" in params["options"]:
            params["options"]["layer"] = params["options"].pop("source_layer")
        job = job_enqueue(task=layer_import_job, params=params, user=request.user)
        return job_accepted_response(job=job, request=request)
