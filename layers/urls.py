from django.urls import path

from layers import api

app_name = "layers_api"

urlpatterns = [
    path("", api.LayerListApi.as_view(), name="list"),
    path("<slug:slug>/", api.LayerDetailApi.as_view(), name="detail"),
]
