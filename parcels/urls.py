from django.urls import path

from parcels import api

app_name = "parcels"

urlpatterns = [
    path("lookup", api.ParcelLookupApi.as_view(), name="lookup"),
    path("audits", api.TopologyAuditApi.as_view(), name="audits"),
    path("merge", api.ParcelMergeApi.as_view(), name="merge"),
    path("documents", api.SourceDocumentApi.as_view(), name="documents"),
    path("documents/<int:pk>/file", api.SourceDocumentFileApi.as_view(), name="document-file"),
    path("<int:pk>", api.ParcelApi.as_view(), name="parcel"),
    path("<int:pk>/lineage", api.ParcelLineageApi.as_view(), name="lineage"),
    path("<int:pk>/rights", api.ParcelRightsApi.as_view(), name="rights"),
    path("<int:pk>/split", api.ParcelSplitApi.as_view(), name="split"),
    path("<int:pk>/adjust", api.ParcelAdjustApi.as_view(), name="adjust"),
    path("<int:pk>/retire", api.ParcelRetireApi.as_view(), name="retire"),
]
