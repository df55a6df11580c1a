from django.apps import AppConfig


class PublicMapConfig(AppConfig):
    """The citizens' bilingual map and the basemap it draws from the platform's own data."""

    name = "public_map"
    verbose_name = "Public map"

    def ready(self) -> None:
        from core.tiles import tile_composite_register
        from public_map.basemap import BASEMAP, BASEMAP_SOURCES

        tile_composite_register(name=BASEMAP, sources=BASEMAP_SOURCES)
