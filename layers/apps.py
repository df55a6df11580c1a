from django.apps import AppConfig


class LayersConfig(AppConfig):
    """Infrastructure and planning layers: registry, import/export, OGC API and tiles."""

    name = "layers"
    verbose_name = "Layers"
