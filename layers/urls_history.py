from django.urls import path

from layers import api_features

app_name = "history"

# Under /api/v1/collections/<collection>/items/<feature>/
urlpatterns = [
    path("history", api_features.FeatureHistoryApi.as_view(), name="history"),
    path("versions/<int:version>", api_features.FeatureVersionApi.as_view(), name="version"),
    path("as-of", api_features.FeatureAsOfApi.as_view(), name="as-of"),
    path("restore", api_features.FeatureRestoreApi.as_view(), name="restore"),
    path("split", api_features.FeatureSplitApi.as_view(), name="split"),
]
