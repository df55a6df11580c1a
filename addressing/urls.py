from django.urls import path

from addressing import api

app_name = "addressing"

urlpatterns = [
    path("geocode/search", api.GeocodeSearchApi.as_view(), name="search"),
    path("geocode/autocomplete", api.GeocodeAutocompleteApi.as_view(), name="autocomplete"),
    path("geocode/reverse", api.GeocodeReverseApi.as_view(), name="reverse"),
    path("geocode/batch", api.GeocodeBatchApi.as_view(), name="batch"),
    path(
        "geocode/batch/<uuid:job_id>/result",
        api.GeocodeBatchResultApi.as_view(),
        name="batch-result",
    ),
    path("postcodes/<str:code>", api.PostcodeApi.as_view(), name="postcode"),
    path("addresses", api.AddressAddApi.as_view(), name="address-add"),
    path("addresses/<int:pk>", api.AddressApi.as_view(), name="address"),
    path("addresses/<int:pk>/retire", api.AddressRetireApi.as_view(), name="address-retire"),
    path("streets/<int:pk>/numbering", api.StreetNumberingApi.as_view(), name="numbering"),
]
