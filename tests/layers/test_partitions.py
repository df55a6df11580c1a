"""Each layer's features live in their own partition of layers_feature."""

from pathlib import Path

from django.db import connection

from layers.services import NewLayer, layer_delete, layer_import
from tests.factories import layer_with_points

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'layers_feature'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


def indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a name built here
        return cursor.fetchone()[0]


def test_a_new_layer_gets_its_partition_and_its_features_land_there(db):
    layer = layer_with_points(points=[(35.2042, 31.9038)])
    table = f"layers_feature_l{layer.pk}"
    assert table in partitions()
    assert rows_in(table) == 1
    assert rows_in("layers_feature_default") == 0


def test_an_imported_layer_is_attached_filled_with_its_indexes(db):
    layer_import(
        path=FILES / "localities_28191.zip", user=None, new_layer=NewLayer(slug="v", title_en="V")
    )
    from layers.models import Layer

    table = f"layers_feature_l{Layer.objects.get(slug='v').pk}"
    assert table in partitions()
    assert rows_in(table) == 4
    kinds = " ".join(indexes(table))
    assert "USING gist (geom_3857)" in kinds
    assert "USING gin (properties jsonb_path_ops)" in kinds
    assert "(layer_id, id)" in kinds


def test_deleting_a_layer_drops_its_partition(db):
    layer = layer_with_points(points=[(35.2042, 31.9038)])
    table = f"layers_feature_l{layer.pk}"
    layer_delete(layer=layer)
    assert table not in partitions()
