"""Each registered layer is a collection: OGC API, tiles and exports serve it like any other."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Expression, F, QuerySet

from core.collections import Collection, CollectionProvider, Field, User
from core.errors import InvalidInput
from core.roles import user_sees_internal
from core.spatial import JsonbWithout
from layers.models import Feature, Layer, Visibility
from layers.schema import schema_parse


class LayerCollection(Collection):
    tile_geometry_field = "geom_3857"

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.id = layer.slug
        self.title = {"en": layer.title_en, "ar": layer.title_ar or layer.title_en}
        self.description = {"en": layer.description_en, "ar": layer.description_ar}
        self.geometry_type = layer.geometry_type
        self.is_public = layer.visibility == Visibility.PUBLIC
        self.is_synthetic = layer.is_synthetic
        self.version = str(layer.data_version)
        # Every reader sees every feature of a layer, so its kept count is everyone's count.
        self.feature_count = layer.feature_count
        self.attribution = (
            ({"text": layer.attribution, "licence": layer.licence, "url": ""},)
            if layer.attribution
            else ()
        )
        self._fields = schema_parse(layer.schema)

    def fields(self, *, user: User) -> list[Field]:
        if user_sees_internal(user):
            return list(self._fields)
        return [f for f in self._fields if not f.internal]

    def queryset(self, *, user: User) -> QuerySet:
        return Feature.objects.filter(layer_id=self.layer.pk)

    def properties_expression(self, *, user: User) -> Expression:
        hidden = [f.name for f in self._fields if f.internal and not user_sees_internal(user)]
        return JsonbWithout(F("properties"), hidden) if hidden else F("properties")

    def filter_property(self, queryset: QuerySet, *, name: str, value: str, user: User) -> QuerySet:
        field = next((f for f in self.fields(user=user) if f.name == name), None)
        if field is None:
            raise InvalidInput(f"The layer has no property {name!r}.", code="unknown_property")
        try:
            typed = {
                "integer": int,
                "number": float,
                "boolean": lambda v: {"true": True, "false": False}[v.lower()],
            }.get(field.type, str)(value)
        except (ValueError, KeyError):
            raise InvalidInput(
                f"{name}={value!r} is not a valid {field.type}.", code="invalid_filter"
            ) from None
        return queryset.filter(properties__contains={name: typed})


class LayerProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [LayerCollection(layer) for layer in Layer.objects.all()]

    def get(self, collection_id: str) -> Collection | None:
        # Every tile and page asks this: no ORDER BY (slugs are unique), one short query.
        try:
            return LayerCollection(Layer.objects.get(slug=collection_id))
        except Layer.DoesNotExist:
            return None
