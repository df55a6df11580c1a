"""Each registered layer is a collection: OGC API, tiles and exports serve it like any other."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Expression, F, QuerySet

from boundaries.selectors import served_area_check
from core.collections import Collection, CollectionProvider, Field, User
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.geometry import geometry_check_size
from core.roles import user_sees_internal
from core.spatial import JsonbWithout
from core.text import text_check
from layers.models import AccessLevel, Feature, Layer, Visibility
from layers.schema import STRING_MAX, schema_parse
from layers.selectors import layer_access
from layers.services import (
    feature_create,
    feature_delete,
    feature_restore,
    feature_split,
    feature_update,
    features_merge,
)


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
        self.style = layer.style or {}

    def is_visible_to(self, *, user: User) -> bool:
        return layer_access(user=user, layer=self.layer) >= AccessLevel.VIEW

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
        # Stored texts are plain text (core.text): a value with markup, control characters
        # (PostgreSQL's JSON cannot hold NUL) or over the length limit can match nothing.
        text_check(value, field=name, max_length=STRING_MAX)
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

    # -- editing ---------------------------------------------------------------------------

    def may_edit(self, *, user: User) -> bool:
        return layer_access(user=user, layer=self.layer) >= AccessLevel.EDIT

    def feature_version(self, *, feature_id: str) -> int | None:
        version = self._features().filter(pk=_pk(feature_id)).values_list("version", flat=True)
        return version.first()

    def create(self, *, user: User, geometry, properties: dict) -> tuple[str, int]:
        self._editable_by(user, geometry)
        feature = feature_create(
            layer=self.layer, geometry=geometry, properties=properties, user=user
        )
        return str(feature.pk), feature.version

    def update(
        self, *, user: User, feature_id: str, version: int, geometry, properties, replace: bool
    ) -> int:
        self._editable_by(user, geometry)
        feature = feature_update(
            feature=self._feature(feature_id),
            version=version,
            user=user,
            geometry=geometry,
            properties=properties,
            replace=replace,
        )
        return feature.version

    def delete(self, *, user: User, feature_id: str, version: int) -> None:
        self._editable_by(user, None)
        feature_delete(feature=self._feature(feature_id), version=version, user=user)

    def restore(self, *, user: User, feature_id: str, version: int, to_version: int) -> int:
        self._editable_by(user, None)
        feature = feature_restore(
            feature=self._feature(feature_id), version=version, to_version=to_version, user=user
        )
        return feature.version

    def split(self, *, user: User, feature_id: str, version: int, cut_line) -> list[str]:
        self._editable_by(user, cut_line)
        pieces = feature_split(
            feature=self._feature(feature_id), version=version, cut_line=cut_line, user=user
        )
        return [str(p.pk) for p in pieces]

    def merge(self, *, user: User, feature_ids: list[str], versions: list[int]) -> str:
        self._editable_by(user, None)
        merged = features_merge(
            features=[self._feature(i) for i in feature_ids], versions=versions, user=user
        )
        return str(merged.pk)

    def _features(self) -> QuerySet:
        return Feature.objects.filter(layer_id=self.layer.pk)

    def _feature(self, feature_id: str) -> Feature:
        feature = self._features().filter(pk=_pk(feature_id)).first()
        if feature is None:
            raise NotFound(f"{self.id} has no feature {feature_id}.", code="feature_not_found")
        return feature

    def edit_check(self, *, user: User) -> None:
        if not self.may_edit(user=user):
            raise PermissionDenied(
                f"You may not edit the layer {self.id}.", code="layer_edit_forbidden"
            )

    def _editable_by(self, user: User, geometry) -> None:
        self.edit_check(user=user)
        if geometry is not None:
            geometry_check_size(geometry=geometry)
            served_area_check(geometry=geometry)


def _pk(feature_id: str) -> int:
    """A feature id from a URL or body: a positive whole number a database key can hold."""
    text = str(feature_id)
    if not (text.isascii() and text.isdigit() and len(text) <= 20 and 0 < int(text) < 2**63):
        raise NotFound(f"There is no feature {text[:40]!r}.", code="feature_not_found")
    return int(text)


class LayerProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [LayerCollection(layer) for layer in Layer.objects.all()]

    def get(self, collection_id: str) -> Collection | None:
        # Every tile and page asks this: no ORDER BY (slugs are unique), one short query.
        try:
            return LayerCollection(Layer.objects.get(slug=collection_id))
        except Layer.DoesNotExist:
            return None
