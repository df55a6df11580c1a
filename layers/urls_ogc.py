from django.urls import path

from layers import api_features, views_ogc

app_name = "ogcapi"

urlpatterns = [
    path("", views_ogc.landing, name="landing"),
    path("conformance", views_ogc.conformance, name="conformance"),
    path("openapi", views_ogc.openapi, name="openapi"),
    path("collections", views_ogc.collections, name="collections"),
    path("collections/<slug:collection_id>", views_ogc.collection, name="collection"),
    # Reading (Parts 1 and 2) and, on the same URLs, editing (Part 4).
    path("collections/<slug:collection_id>/items", api_features.items_endpoint, name="items"),
    path(
        "collections/<slug:collection_id>/items/<str:feature_id>",
        api_features.item_endpoint,
        name="item",
    ),
]
