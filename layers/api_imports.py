"""File uploads that start an import job (202 Accepted, then follow the job's progress)."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.uploads import upload_check_size, upload_store
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue
from layers.api import MayManageLayers
from layers.models import Visibility
from layers.selectors import layer_get
from layers.services.imports import ON_ERROR
from layers.tasks import layer_import_job


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    layer = serializers.SlugField(required=False, help_text="an existing layer's slug")
    new_slug = serializers.SlugField(required=False, max_length=60)
    new_title_en = serializers.CharField(required=False, max_length=200)
    new_title_ar = serializers.CharField(required=False, max_length=200, allow_blank=True)
    new_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    source_layer = serializers.CharField(required=False, max_length=200)
    crs = serializers.IntegerField(required=False, help_text="EPSG code, for files without one")
    x_column = serializers.CharField(required=False, max_length=100)
    y_column = serializers.CharField(required=False, max_length=100)
    wkt_column = serializers.CharField(required=False, max_length=100)
    mapping = serializers.CharField(required=False, help_text='JSON {"column": "field"}')
    repair = serializers.BooleanField(required=False, default=False)
    on_error = serializers.ChoiceField(choices=ON_ERROR, required=False, default="fail")
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if ("layer" in data) == ("new_slug" in data):
            raise serializers.ValidationError("Give either layer or new_slug.")
        if "mapping" in data:
            try:
                mapping = json.loads(data["mapping"])
            except json.JSONDecodeError:
                raise serializers.ValidationError({"mapping": "not JSON"}) from None
            if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
            ):
                raise serializers.ValidationError({"mapping": "an object of column: field"})
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
        params = {
            "upload": upload_store(data["file"]),
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
