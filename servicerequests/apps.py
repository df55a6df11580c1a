from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    """Citizens' service requests (Open311 GeoReport v2): what they report on the public map,
    routed to the responsible department and followed by staff.

    Above core, boundaries and jobs (the municipality's extent decides what is ours to take);
    it may use addressing's geocoder for an address. No lower app imports it."""

    name = "servicerequests"
    verbose_name = "Service requests"

    def ready(self) -> None:
        from core.collections import registry
        from servicerequests.collections import ServiceRequestProvider

        registry.register(ServiceRequestProvider())
