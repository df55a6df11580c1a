from django.apps import AppConfig


class LayersConfig(AppConfig):
    """Infrastructure and planning layers: registry, import/export, OGC API and tiles."""

    name = "layers"
    verbose_name = "Layers"

    def ready(self) -> None:
        from core.collections import registry
        from layers.collections import LayerProvider

        registry.register(LayerProvider())
