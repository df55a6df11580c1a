from django.urls import path

from layers import api, api_imports

app_name = "layers_api"

urlpatterns = [
    path("", api.LayerListApi.as_view(), name="list"),
    path("imports/", api_imports.LayerImportApi.as_view(), name="import"),
    path("<slug:slug>/", api.LayerDetailApi.as_view(), name="detail"),
]
