from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: base models, typed errors, roles, spatial SQL helpers."""

    name = "core"
    verbose_name = "Core"
