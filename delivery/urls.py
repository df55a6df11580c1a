from django.urls import path

from delivery import api

app_name = "delivery_api"

urlpatterns = [
    path("check", api.DocumentCheckApi.as_view(), name="check"),
    path("point", api.DeliveryPointApi.as_view(), name="point"),
    path("offices", api.OfficesNearestApi.as_view(), name="offices"),
    path("orders", api.DeliveryOrderApi.as_view(), name="orders"),
    path("track/<str:token>", api.DeliveryTrackApi.as_view(), name="track"),
]
