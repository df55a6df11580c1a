from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    """The cadastral register: parcels, parties, rights, transactions and lineage."""

    name = "parcels"
    verbose_name = "Parcels"

    def ready(self) -> None:
        from core.collections import registry
        from parcels.collections import ParcelsProvider

        registry.register(ParcelsProvider())
