from django.apps import AppConfig


class AddressingConfig(AppConfig):
    """Streets, postal zones, buildings and delivery points, the postcode and the geocoder."""

    name = "addressing"
    verbose_name = "Addressing"

    def ready(self) -> None:
        from addressing.collections import AddressingProvider
        from core.collections import registry

        registry.register(AddressingProvider())
