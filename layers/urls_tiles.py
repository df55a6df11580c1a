from django.urls import path

from layers import views_tiles

app_name = "layers"

urlpatterns = [
    path("<slug:collection_id>.json", views_tiles.tilejson, name="tilejson"),
    path("<slug:collection_id>/<int:z>/<int:x>/<int:y>.mvt", views_tiles.tile, name="tile"),
]
