"""Writes on layers and features: schema, geometry, versions; refusals write nothing."""

import pytest
from django.contrib.gis.geos import LineString, Point

from core.errors import Conflict, InvalidInput, PreconditionFailed
from layers.models import Feature, Layer
from layers.services import (
    feature_create,
    feature_delete,
    feature_update,
    layer_create,
    layer_delete,
    layer_update,
)
from tests.factories import layer_with_points

MANARA = (35.2042, 31.9038)


def test_layer_is_created_internal_by_default_with_its_schema(db, planner):
    layer = layer_create(
        slug="water-mains",
        title_en="Water mains",
        title_ar="خطوط المياه",
        geometry_type="MultiLineString",
        user=planner,
        schema=[{"name": "diameter_mm", "type": "integer", "required": True}],
    )
    assert layer.visibility == "internal"
    assert layer.created_by == planner
    assert layer.schema[0]["name"] == "diameter_mm"


def test_a_slug_taken_by_another_collection_is_refused(db):
    with pytest.raises(Conflict) as raised:
        layer_create(slug="municipalities", title_en="x", geometry_type="Point", user=None)
    assert raised.value.code == "reserved_slug"
    assert not Layer.objects.exists()


def test_duplicate_slug_is_a_conflict(db):
    layer_with_points()
    with pytest.raises(Conflict):
        layer_with_points()


def test_feature_with_wrong_geometry_or_attributes_writes_nothing(db):
    layer = layer_with_points()
    line = LineString((35.20, 31.90), (35.21, 31.91), srid=4326)
    with pytest.raises(InvalidInput) as raised:
        feature_create(layer=layer, geometry=line, properties={"lamp": "LED"}, user=None)
    assert raised.value.code == "wrong_geometry_type"
    with pytest.raises(InvalidInput) as raised:
        feature_create(
            layer=layer, geometry=Point(*MANARA, srid=4326), properties={"lamp": "neon"}, user=None
        )
    assert raised.value.code == "schema_violation"
    assert layer.features.count() == 0
    assert Layer.objects.get(pk=layer.pk).data_version == 1


def test_update_keeps_other_properties_and_bumps_versions(db, planner):
    layer = layer_with_points(points=[MANARA])
    feature = layer.features.get()
    updated = feature_update(
        feature=feature, version=1, user=planner, properties={"lamp": "sodium"}
    )
    assert updated.properties == {"lamp": "sodium", "asset_no": 1}
    assert updated.version == 2
    assert updated.updated_by == planner
    assert Layer.objects.get(pk=layer.pk).data_version == 3  # one create, one update


def test_stale_update_is_refused_with_412_and_nothing_changes(db, planner):
    layer = layer_with_points(points=[MANARA])
    feature = layer.features.get()
    feature_update(feature=feature, version=1, user=planner, properties={"lamp": "sodium"})
    with pytest.raises(PreconditionFailed) as raised:
        feature_update(feature=feature, version=1, user=planner, properties={"lamp": "LED"})
    assert raised.value.status_code == 412
    assert raised.value.details == {"current_version": 2}
    assert Feature.objects.get(pk=feature.pk).properties["lamp"] == "sodium"


def test_stale_delete_is_refused(db):
    layer = layer_with_points(points=[MANARA])
    feature = layer.features.get()
    with pytest.raises(PreconditionFailed):
        feature_delete(feature=feature, version=7)
    feature_delete(feature=feature, version=1)
    assert not layer.features.exists()


def test_a_schema_that_existing_features_break_is_refused(db):
    layer = layer_with_points(points=[MANARA])
    narrower = [{"name": "lamp", "type": "string", "choices": ["sodium"]}]
    with pytest.raises(InvalidInput) as raised:
        layer_update(layer=layer, schema=narrower)
    assert raised.value.code == "schema_conflict"
    assert Layer.objects.get(pk=layer.pk).schema == layer.schema


def test_the_kept_feature_count_follows_every_write(db):
    layer = layer_with_points(points=[MANARA, (35.21, 31.91)])
    assert Layer.objects.get(pk=layer.pk).feature_count == 2
    feature = layer.features.first()
    feature_update(feature=feature, version=1, user=None, properties={"lamp": "sodium"})
    feature_delete(feature=Feature.objects.get(pk=feature.pk), version=2)
    assert Layer.objects.get(pk=layer.pk).feature_count == 1 == layer.features.count()


def test_deleting_a_layer_removes_its_features(db):
    layer = layer_with_points(points=[MANARA])
    layer_delete(layer=layer)
    assert not Feature.objects.exists()
