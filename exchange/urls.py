"""Exchange services, version 1 (mounted at /exchange/v1/ by gis_project.urls). Paths and
identifiers are stable: a new version gets new paths, this one keeps its shape."""

from django.urls import path

from exchange.api import (
    AddressValidationApi,
    ExchangeSchemaApi,
    ParcelAtPointApi,
    ParcelLookupApi,
    PostcodeLookupApi,
)

app_name = "exchange"

urlpatterns = [
    path("address-validation", AddressValidationApi.as_view(), name="address-validation"),
    path("postcodes/<str:postcode>", PostcodeLookupApi.as_view(), name="postcode"),
    path("parcels", ParcelAtPointApi.as_view(), name="parcel-at-point"),
    path("parcels/<path:identifier>", ParcelLookupApi.as_view(), name="parcel"),
    path("openapi.json", ExchangeSchemaApi.as_view(), name="openapi"),
]
