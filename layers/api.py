"""The layer registry over HTTP. Features are read through OGC API Features and tiles."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PlainTextField, paginated_response
from core.errors import InvalidInput, PermissionDenied
from layers.collections import LayerCollection
from layers.models import AccessLevel, GeometryType, Layer, Visibility
from layers.selectors import layer_access, layer_get, layer_list, layer_may_manage
from layers.services import layer_create, layer_delete, layer_update


class MayManageLayers(BasePermission):
    """Reading is open (filtered by visibility); writing is for planners and administrators."""

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return layer_may_manage(user=request.user)


class LayerOutputSerializer(serializers.ModelSerializer):
    schema = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Layer
        fields = [
            "slug",
            "title_en",
            "title_ar",
            "description_en",
            "description_ar",
            "geometry_type",
            "schema",
            "style",
            "visibility",
            "source",
            "attribution",
            "licence",
            "is_synthetic",
            "data_version",
            "created_at",
            "updated_at",
            "links",
        ]

    def get_schema(self, layer: Layer) -> list[dict]:
        # The public never learns that internal fields exist.
        user = self.context["request"].user
        visible = {f.name for f in LayerCollection(layer).fields(user=user)}
        return [field for field in layer.schema if field["name"] in visible]

    def get_links(self, layer: Layer) -> dict[str, str]:
        request = self.context["request"]
        return {
            "tilejson": request.build_absolute_uri(f"/tiles/{layer.slug}.json"),
            "items": request.build_absolute_uri(f"/ogcapi/collections/{layer.slug}/items"),
        }


class LayerInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=60)
    title_en = PlainTextField(max_length=200)
    title_ar = PlainTextField(max_length=200, required=False, allow_blank=True)
    description_en = PlainTextField(
        multiline=True, max_length=5000, required=False, allow_blank=True
    )
    description_ar = PlainTextField(
        multiline=True, max_length=5000, required=False, allow_blank=True
    )
    geometry_type = serializers.ChoiceField(choices=GeometryType.choices)
    schema = serializers.ListField(child=serializers.DictField(), required=False, max_length=500)
    style = serializers.DictField(required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    source = PlainTextField(max_length=300, required=False, allow_blank=True)
    attribution = PlainTextField(max_length=300, required=False, allow_blank=True)
    licence = PlainTextField(max_length=100, required=False, allow_blank=True)
    is_synthetic = serializers.BooleanField(required=False)


class LayerUpdateSerializer(LayerInputSerializer):
    slug = None
    geometry_type = None
    title_en = PlainTextField(max_length=200, required=False)


class LayerListApi(APIView):
    permission_classes = [MayManageLayers]

    @extend_schema(responses=LayerOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            queryset=layer_list(user=request.user),
            serializer_class=LayerOutputSerializer,
            request=request,
            view=self,
        )

    @extend_schema(request=LayerInputSerializer, responses={201: LayerOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = LayerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        layer = layer_create(user=request.user, **serializer.validated_data)
        data = LayerOutputSerializer(layer, context={"request": request}).data
        return Response(data, status=201, headers={"Location": f"/api/v1/layers/{layer.slug}/"})


class LayerDetailApi(APIView):
    permission_classes = [MayManageLayers]

    @extend_schema(responses=LayerOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        layer = layer_get(user=request.user, slug=slug)
        return Response(LayerOutputSerializer(layer, context={"request": request}).data)

    @extend_schema(request=LayerUpdateSerializer, responses=LayerOutputSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        serializer = LayerUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise InvalidInput(
                'Give at least one field to change, e.g. {"title_en": "..."}.',
                code="nothing_to_change",
            )
        layer = layer_update(
            layer=_administered(request, slug), user=request.user, **serializer.validated_data
        )
        return Response(LayerOutputSerializer(layer, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str) -> Response:
        layer_delete(layer=_administered(request, slug), user=request.user)
        return Response(status=204)


def _administered(request: Request, slug: str) -> Layer:
    """The layer, if this user administers it (its permissions may name other roles)."""
    layer = layer_get(user=request.user, slug=slug)
    if layer_access(user=request.user, layer=layer) < AccessLevel.ADMINISTER:
        raise PermissionDenied(
            f"Your role may not change the layer {slug}; ask an administrator.",
            code="layer_administer_forbidden",
        )
    return layer
