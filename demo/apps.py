from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo data that needs several apps at once (parcels drawn around the demo
    city's buildings). It sits above addressing and parcels, which never import each other."""

    name = "demo"
    verbose_name = "Demo data"
