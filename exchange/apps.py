from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Services for other government bodies through an X-Road-style exchange layer: address
    validation, postcode and parcel lookup, each call authenticated by a client's token, rate
    limited and logged."""

    name = "exchange"
    verbose_name = "Exchange services"
