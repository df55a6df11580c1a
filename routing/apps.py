from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Routes and travel times on the platform's own street register."""

    name = "routing"
    verbose_name = "Routing"
