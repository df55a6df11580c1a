from django.apps import AppConfig


class BoundariesConfig(AppConfig):
    """Administrative geography: regions, governorates, localities and municipalities.

    Below addressing and parcels: the postcode's governorate digit, the municipality's extent
    and the locality of a parcel all come from here.
    """

    name = "boundaries"
    verbose_name = "Administrative boundaries"

    def ready(self) -> None:
        from boundaries.collections import BoundaryProvider
        from core.collections import registry

        registry.register(BoundaryProvider())
