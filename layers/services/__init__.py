"""Writes of the layers app: the registry and features (``registry``), imports (``imports``)
and exports (``exports``)."""

from layers.services.imports import (
    ImportReport,
    NewLayer,
    demo_layers_ensure,
    layer_import,
    osm_import,
)
from layers.services.registry import (
    LAYER_FIELDS,
    feature_create,
    feature_delete,
    feature_restore,
    feature_split,
    feature_update,
    features_merge,
    layer_check_schema,
    layer_check_slug,
    layer_create,
    layer_delete,
    layer_update,
)

__all__ = [
    "LAYER_FIELDS",
    "ImportReport",
    "NewLayer",
    "demo_layers_ensure",
    "feature_create",
    "feature_delete",
    "feature_restore",
    "feature_split",
    "feature_update",
    "features_merge",
    "layer_check_schema",
    "layer_check_slug",
    "layer_create",
    "layer_delete",
    "layer_import",
    "layer_update",
    "osm_import",
]
