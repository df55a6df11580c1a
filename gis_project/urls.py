"""URL routes. The API lives under /api/v1/ (no language prefix); pages carry their language in
the path (/ar/..., /en/...) so a shared link opens in the language it was shared in."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import SignInView, SignOutView, signed_in
from core.views import TokenView, healthz
from layers.api_features import FeaturesMergeApi
from layers.api_jobs import CollectionExportJobApi, TileSeedApi
from layers.views import import_page as layer_import_page
from layers.views_export import export as layer_export
from public_map.api import MapIdentifyApi, MapLayersApi, MapSearchApi, ParcelByAddressApi
from public_map.views_tiles import basemap_tile

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/jobs/", include("jobs.urls")),
    path("api/v1/boundaries/", include("boundaries.urls")),
    path("api/v1/", include("addressing.urls")),
    path("api/v1/map/search", MapSearchApi.as_view(), name="map-search"),
    path("api/v1/map/identify", MapIdentifyApi.as_view(), name="map-identify"),
    path("api/v1/map/layers", MapLayersApi.as_view(), name="map-layers"),
    path("api/v1/delivery/", include("delivery.urls")),
    path("api/v1/routing/", include("routing.urls")),
    path("api/v1/parcels/by-address", ParcelByAddressApi.as_view(), name="parcel-by-address"),
    path("api/v1/parcels/", include("parcels.urls")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/layers/", include("layers.urls")),
    path("api/v1/rasters/", include("layers.urls_rasters")),
    path("api/v1/collections/<slug:collection_id>/export", layer_export, name="export"),
    path(
        "api/v1/collections/<slug:collection_id>/exports",
        CollectionExportJobApi.as_view(),
        name="export-job",
    ),
    path(
        "api/v1/collections/<slug:collection_id>/tile-seeding",
        TileSeedApi.as_view(),
        name="tile-seed",
    ),
    path("api/v1/collections/<slug:collection_id>/merge", FeaturesMergeApi.as_view(), name="merge"),
    path(
        "api/v1/collections/<slug:collection_id>/items/<str:feature_id>/",
        include("layers.urls_history"),
    ),
    path("basemap/<int:z>/<int:x>/<int:y>.mvt", basemap_tile, name="basemap-tile"),
    path("tiles/", include("layers.urls_tiles")),
    path("ogcapi/", include("layers.urls_ogc")),
    path("open311/v2/", include("servicerequests.urls_open311")),
    path("api/v1/service-requests/", include("servicerequests.urls_api")),
    path("exchange/v1/", include("exchange.urls")),
    path("sso/", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/swagger_ui.html"
        ),
        name="api-docs",
    ),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", SignOutView.as_view(), name="logout"),
    path("signed-in/", signed_in, name="signed-in"),
    path("layers/import/", layer_import_page, name="layer-import"),
    path("parcels/", include("parcels.urls_pages")),
    path("editor/", include("editor.urls")),
    path("delivery/", include("delivery.urls_pages")),
    path("routing/", include("routing.urls_pages")),
    path("service-requests/", include("servicerequests.urls_pages")),
    path("", include("transparency.urls")),
    path("", include("public_map.urls")),
)

handler400 = "core.handlers.handler400"
handler403 = "core.handlers.handler403"
handler404 = "core.handlers.handler404"
handler500 = "core.handlers.handler500"
