"""Writes on the layer registry and its features.

Geometries are stored in WGS 84 (EPSG:4326); callers reproject first (the importers do). Every
change to a layer's features raises its ``data_version`` and invalidates exactly the cached
tiles the change touches, in the same transaction.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import F
from shapely.ops import split as shapely_split

from core import tiles
from core.collections import Field, registry
from core.errors import Conflict, InvalidInput, PreconditionFailed
from core.geometry import SINGLE_OF, geometry_clean, geometry_from_geojson
from core.models import ChangeAction
from core.roles import signed_in
from core.selectors import feature_version
from core.services import change_record, changes_record, feature_snapshot
from core.text import text_check
from layers import sql
from layers.models import Feature, GeometryType, Layer, Visibility
from layers.schema import properties_validate, schema_dump, schema_parse

LAYER_FIELDS = {
    "title_en",
    "title_ar",
    "description_en",
    "description_ar",
    "style",
    "visibility",
    "source",
    "attribution",
    "licence",
    "is_synthetic",
}


# The free-text fields of a layer: (maximum length, whether line breaks are allowed).
LAYER_TEXT = {
    "title_en": (200, False),
    "title_ar": (200, False),
    "description_en": (5000, True),
    "description_ar": (5000, True),
    "source": (300, False),
    "attribution": (300, False),
    "licence": (100, False),
}
# A style is a small JSON object (colours, widths, classes with labels); no more than this.
STYLE_MAX_DEPTH = 5
STYLE_MAX_VALUES = 1000


def layer_check_text(attributes: dict[str, Any]) -> None:
    """InvalidInput when a free-text field of ``attributes`` carries markup, control
    characters or is too long (core.text), or when the style is not a plain style object."""
    for name, (limit, multiline) in LAYER_TEXT.items():
        if name in attributes:
            value = attributes[name]
            if not isinstance(value, str):
                raise InvalidInput(f"{name} is text.", code="invalid_text")
            text_check(value, field=name, max_length=limit, multiline=multiline)
    if "style" in attributes:
        style_check(attributes["style"])


def style_check(style: Any) -> dict[str, Any]:
    """``style`` if it is a JSON object of at most STYLE_MAX_DEPTH levels and STYLE_MAX_VALUES
    values whose texts (colours, labels) are plain text; InvalidInput naming the part if not."""
    if not isinstance(style, dict):
        raise InvalidInput("A style is a JSON object.", code="invalid_style")
    count = 0

    def walk(value: Any, path: str, depth: int) -> None:
        nonlocal count
        count += 1
        if count > STYLE_MAX_VALUES or depth > STYLE_MAX_DEPTH:
            raise InvalidInput(
                f"The style is too large or nested too deeply (at {path[:80]}).",
                code="invalid_style",
            )
        if isinstance(value, dict):
            for key, item in value.items():
                text_check(str(key), field=f"{path} (a key)", max_length=60)
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", depth + 1)
        elif isinstance(value, str):
            text_check(value, field=path, max_length=200)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"{path} is not a finite number.", code="invalid_style")
        elif value is not None and not isinstance(value, bool | int | float):
            raise InvalidInput(f"{path} is not a JSON value.", code="invalid_style")

    walk(style, "style", 0)
    return style


# Slugs the layer URLs use for themselves (/api/v1/layers/imports/, /tiles/rasters/).
RESERVED_SLUGS = {"imports", "rasters"}


def layer_check_slug(*, slug: str) -> None:
    """Conflict if ``slug`` names an existing layer or another collection."""
    if slug in RESERVED_SLUGS:
        raise Conflict(f"{slug!r} is reserved; choose another slug.", code="reserved_slug")
    if Layer.objects.filter(slug=slug).exists():
        raise Conflict(f"A layer {slug!r} exists already.", code="duplicate_slug")
    taken = {c.id for c in registry.all()}
    if slug in taken:
        raise Conflict(
            f"{slug!r} is the name of another collection; choose another slug.",
            code="reserved_slug",
        )


@transaction.atomic
def layer_create(
    *,
    slug: str,
    title_en: str,
    geometry_type: str,
    user: AbstractBaseUser | None,
    schema: list[dict[str, Any]] | None = None,
    attach_partition: bool = True,
    **attributes: Any,
) -> Layer:
    """Register a new layer. ``schema`` lists its attribute fields (see layers.schema);
    ``attributes`` may set any of LAYER_FIELDS. New layers are internal unless told.

    The layer's features live in their own partition of layers_feature, attached here; an
    import that fills a new layer passes ``attach_partition=False`` and attaches it filled.
    """
    if geometry_type not in GeometryType.values:
        raise InvalidInput(
            f"Unknown geometry type {geometry_type!r}; "
            f"use one of {', '.join(GeometryType.values)}.",
            code="invalid_geometry_type",
        )
    unknown = set(attributes) - LAYER_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown layer fields: {', '.join(sorted(unknown))}.")
    if attributes.get("visibility", Visibility.INTERNAL) not in Visibility.values:
        raise InvalidInput("Visibility is public or internal.", code="invalid_visibility")
    layer_check_text({"title_en": title_en, **attributes})
    layer_check_slug(slug=slug)
    fields = schema_parse(schema or [])
    layer = Layer(
        slug=slug,
        title_en=title_en,
        geometry_type=geometry_type,
        schema=schema_dump(fields),
        created_by=signed_in(user),
        **attributes,
    )
    layer.full_clean()
    layer.save()
    if attach_partition:
        sql.feature_partition_prepare(layer_id=layer.pk)
        sql.feature_partition_attach(layer_id=layer.pk)
    _layer_audit(layer, ChangeAction.CREATE, user, before=None, after=_definition(layer))
    return layer


def _definition(layer: Layer) -> dict:
    """A layer's definition as the audit log keeps it."""
    return {
        "properties": {
            "title_en": layer.title_en,
            "title_ar": layer.title_ar,
            "geometry_type": layer.geometry_type,
            "visibility": layer.visibility,
            "schema": layer.schema,
            "style": layer.style,
        }
    }


def _layer_audit(layer: Layer, action: str, user, *, before, after) -> None:
    changes_record(
        collection="layers", action=action, user=user, changes=[(layer.slug, before, after)]
    )


def layer_check_schema(*, layer: Layer, schema: list[dict[str, Any]]) -> list[Field]:
    """The fields of ``schema`` if every existing feature of ``layer`` fits them; otherwise
    InvalidInput naming the first features that do not, and why."""
    fields = schema_parse(schema)
    failures: dict[str, Any] = {}
    for pk, properties in layer.features.values_list("pk", "properties").iterator():
        try:
            properties_validate(fields, properties)
        except InvalidInput as exc:
            failures[str(pk)] = exc.details
            if len(failures) >= 20:
                break
    if failures:
        raise InvalidInput(
            "The new schema does not fit the layer's existing features.",
            code="schema_conflict",
            details=failures,
        )
    return fields


@transaction.atomic
def layer_update(
    *,
    layer: Layer,
    schema: list[dict[str, Any]] | None = None,
    user: AbstractBaseUser | None = None,
    **attributes: Any,
) -> Layer:
    """Change a layer's description, style, audience or schema. A new schema must still fit
    every existing feature (InvalidInput lists the first features that do not)."""
    unknown = set(attributes) - LAYER_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown layer fields: {', '.join(sorted(unknown))}.")
    layer_check_text(attributes)
    layer = Layer.objects.select_for_update().get(pk=layer.pk)
    before = _definition(layer)
    if schema is not None:
        layer.schema = schema_dump(layer_check_schema(layer=layer, schema=schema))
    for name, value in attributes.items():
        setattr(layer, name, value)
    layer.full_clean()
    layer.save()
    tiles.tile_cache_invalidate_collection(collection_id=layer.slug)
    _layer_audit(layer, ChangeAction.UPDATE, user, before=before, after=_definition(layer))
    return layer


@transaction.atomic
def layer_delete(*, layer: Layer, user: AbstractBaseUser | None = None) -> None:
    """Remove a layer with all its features (its partition) and cached tiles."""
    _layer_audit(layer, ChangeAction.DELETE, user, before=_definition(layer), after=None)
    tiles.tile_cache_invalidate_collection(collection_id=layer.slug)
    sql.feature_partition_drop(layer_id=layer.pk)
    layer.delete()


def layer_features_changed(*, layer: Layer, added: int = 0) -> None:
    """Record a change to ``layer``'s features: a new data version and ``added`` (negative
    for removals) more features. Call inside the changing transaction."""
    Layer.objects.filter(pk=layer.pk).update(
        data_version=F("data_version") + 1, feature_count=F("feature_count") + added
    )


@transaction.atomic
def feature_create(
    *,
    layer: Layer,
    geometry: GEOSGeometry,
    properties: dict[str, Any] | None,
    user: AbstractBaseUser | None,
    repair: bool = False,
) -> Feature:
    """Add a feature. ``geometry`` must be EPSG:4326 and of the layer's kind (a single part
    is promoted to multi); ``properties`` must satisfy the layer's schema."""
    geom = geometry_clean(geometry, geometry_type=layer.geometry_type, repair=repair)
    cleaned = properties_validate(schema_parse(layer.schema), properties)
    actor = signed_in(user)
    feature = Feature.objects.create(
        layer=layer, geom=geom, properties=cleaned, created_by=actor, updated_by=actor
    )
    change_record(
        collection=layer.slug,
        feature_id=feature.pk,
        version=feature.version,
        action=ChangeAction.CREATE,
        user=user,
        before=None,
        after=feature_snapshot(geometry=geom, properties=cleaned),
    )
    layer_features_changed(layer=layer, added=1)
    tiles.tile_cache_invalidate(collection_id=layer.slug, geometries=[geom])
    return feature


@transaction.atomic
def feature_update(
    *,
    feature: Feature,
    version: int,
    user: AbstractBaseUser | None,
    geometry: GEOSGeometry | None = None,
    properties: dict[str, Any] | None = None,
    repair: bool = False,
    replace: bool = False,
    action: str = ChangeAction.UPDATE,
) -> Feature:
    """Change a feature's geometry and/or its properties: some of them (the others are kept),
    or with ``replace`` all of them. ``version`` is the version the caller edited: a newer one
    means someone else saved first (PreconditionFailed, 412) and nothing is written."""
    current = _locked_at(feature, version)
    layer = current.layer
    before = feature_snapshot(geometry=current.geom, properties=current.properties)
    touched = [current.geom]
    if geometry is not None:
        current.geom = geometry_clean(geometry, geometry_type=layer.geometry_type, repair=repair)
        touched.append(current.geom)
    if properties is not None:
        fields = schema_parse(layer.schema)
        merged = properties if replace else {**current.properties, **properties}
        current.properties = properties_validate(fields, merged)
    current.version += 1
    current.updated_by = signed_in(user)
    current.save()
    current.refresh_from_db(fields=["geom_3857"])
    change_record(
        collection=layer.slug,
        feature_id=current.pk,
        version=current.version,
        action=action,
        user=user,
        before=before,
        after=feature_snapshot(geometry=current.geom, properties=current.properties),
    )
    layer_features_changed(layer=layer)
    tiles.tile_cache_invalidate(collection_id=layer.slug, geometries=touched)
    return current


def _locked_at(feature: Feature, version: int) -> Feature:
    """The feature, locked, if it is still at ``version`` (else 412: someone saved first)."""
    current = Feature.objects.select_for_update().select_related("layer").get(pk=feature.pk)
    if current.version != version:
        raise PreconditionFailed(
            f"The feature changed since you read it (version {version}, now {current.version}).",
            details={"current_version": current.version},
        )
    return current


@transaction.atomic
def feature_delete(*, feature: Feature, version: int, user: AbstractBaseUser | None = None) -> None:
    """Remove a feature that has not changed since ``version`` (else 412, nothing removed)."""
    current = _locked_at(feature, version)
    layer, geom = current.layer, current.geom
    change_record(
        collection=layer.slug,
        feature_id=current.pk,
        version=current.version,
        action=ChangeAction.DELETE,
        user=user,
        before=feature_snapshot(geometry=geom, properties=current.properties),
        after=None,
    )
    current.delete()
    layer_features_changed(layer=layer, added=-1)
    tiles.tile_cache_invalidate(collection_id=layer.slug, geometries=[geom])


@transaction.atomic
def feature_restore(
    *, feature: Feature, version: int, to_version: int, user: AbstractBaseUser | None
) -> Feature:
    """Bring back the geometry and properties that version ``to_version`` had. The restore is
    itself a new version (history is never rewritten); ``version`` is the current version the
    caller saw (else 412)."""
    snapshot = feature_version(
        collection=feature.layer.slug, feature_id=feature.pk, version=to_version
    )
    if not snapshot or not snapshot.get("geometry"):
        raise InvalidInput(
            f"Feature {feature.pk} has no version {to_version} to restore.",
            code="unknown_version",
        )
    return feature_update(
        feature=feature,
        version=version,
        user=user,
        geometry=geometry_from_geojson(snapshot["geometry"]),
        properties=snapshot["properties"],
        replace=True,
        action=ChangeAction.RESTORE,
    )


@transaction.atomic
def feature_split(
    *, feature: Feature, version: int, cut_line: GEOSGeometry, user: AbstractBaseUser | None
) -> list[Feature]:
    """Cut a line or polygon feature with ``cut_line`` (an EPSG:4326 line crossing it). The
    first piece (the longest or largest) stays the feature, as a new version; each other piece
    becomes a new feature with the same properties. Refused when the line cuts nothing off."""
    current = _locked_at(feature, version)
    layer = current.layer
    if cut_line.geom_type != "LineString":
        raise InvalidInput("The cut must be a line.", code="cut_not_a_line")
    if SINGLE_OF.get(layer.geometry_type, layer.geometry_type) == "Point":
        raise InvalidInput("Points cannot be split.", code="cut_points")
    shape = shapely.from_wkb(bytes(current.geom.wkb))
    pieces = [
        p
        for part in shapely_split(shape, shapely.from_wkb(bytes(cut_line.wkb))).geoms
        for p in getattr(part, "geoms", [part])
    ]
    if len(pieces) < 2:
        raise InvalidInput(
            "The line does not cut the feature: it must cross it from one side to the other.",
            code="cut_does_not_cross",
        )
    pieces.sort(key=lambda p: -(p.area or p.length))
    geoms = [GEOSGeometry(memoryview(shapely.to_wkb(p)), srid=4326) for p in pieces]
    first = feature_update(feature=current, version=version, user=user, geometry=geoms[0])
    others = [
        feature_create(layer=layer, geometry=g, properties=current.properties, user=user)
        for g in geoms[1:]
    ]
    return [first, *others]


@transaction.atomic
def features_merge(
    *, features: list[Feature], versions: list[int], user: AbstractBaseUser | None
) -> Feature:
    """Merge features of one layer that touch into the first (a new version, its properties
    kept); the others are deleted. EPSG:4326. Refused for features of different layers, or
    whose union would not fit the layer's geometry type (apart, for a single-part layer)."""
    if len(features) < 2 or len(features) != len(versions):
        raise InvalidInput("Give at least two features, each with its version.", code="merge")
    locked = [_locked_at(f, v) for f, v in zip(features, versions, strict=True)]
    if len({f.layer_id for f in locked}) != 1:
        raise InvalidInput("Only features of one layer can be merged.", code="merge_layers")
    union = shapely.union_all([shapely.from_wkb(bytes(f.geom.wkb)) for f in locked])
    if union.geom_type == "MultiLineString":
        union = shapely.line_merge(union)
    merged = GEOSGeometry(memoryview(shapely.to_wkb(union)), srid=4326)
    first = feature_update(feature=locked[0], version=versions[0], user=user, geometry=merged)
    for other, version in zip(locked[1:], versions[1:], strict=True):
        feature_delete(feature=other, version=version, user=user)
    return first
