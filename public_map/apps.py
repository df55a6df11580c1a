from django.apps import AppConfig


class PublicMapConfig(AppConfig):
    """The citizens' bilingual map."""

    name = "public_map"
    verbose_name = "Public map"
