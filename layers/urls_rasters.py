from django.urls import path

from layers import api_rasters

app_name = "rasters_api"

urlpatterns = [
    path("", api_rasters.RasterListApi.as_view(), name="list"),
    path("<slug:slug>/", api_rasters.RasterDetailApi.as_view(), name="detail"),
    path(
        "<slug:slug>/zonal-statistics/",
        api_rasters.RasterZonalStatisticsApi.as_view(),
        name="zonal-statistics",
    ),
]
