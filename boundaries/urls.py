from django.urls import path

from boundaries import api

app_name = "boundaries"

urlpatterns = [
    path("municipalities/", api.MunicipalityCollectionApi.as_view(), name="municipalities"),
    path("governorates/", api.GovernorateCollectionApi.as_view(), name="governorates"),
    path("reference-data/reload/", api.ReferenceDataReloadApi.as_view(), name="reload"),
]
