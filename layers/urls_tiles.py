from django.urls import path

from layers import api_rasters, views_tiles

app_name = "layers"

urlpatterns = [
    path("rasters/<slug:slug>.json", api_rasters.raster_tilejson, name="raster-tilejson"),
    path(
        "rasters/<slug:slug>/<int:z>/<int:x>/<int:y>.png",
        api_rasters.raster_tile,
        name="raster-tile",
    ),
    path("<slug:collection_id>.json", views_tiles.tilejson, name="tilejson"),
    path("<slug:collection_id>/<int:z>/<int:x>/<int:y>.mvt", views_tiles.tile, name="tile"),
]
