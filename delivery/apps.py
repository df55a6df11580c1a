from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    """Delivery of official documents: offices, citizens' requests, tracking."""

    name = "delivery"
    verbose_name = "Document delivery"
