from django.urls import path

from routing import api

app_name = "routing"

urlpatterns = [
    path("route", api.RouteApi.as_view(), name="route"),
    path("matrix", api.MatrixApi.as_view(), name="matrix"),
    path("closures", api.ClosuresApi.as_view(), name="closures"),
    path("closures/<int:pk>/lift", api.ClosureLiftApi.as_view(), name="closure-lift"),
]
