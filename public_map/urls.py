from django.urls import path

from public_map import views

app_name = "public_map"

urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_page, name="map"),
]
