from django.urls import path

from layers import views_ogc

app_name = "ogcapi"

urlpatterns = [
    path("", views_ogc.landing, name="landing"),
    path("conformance", views_ogc.conformance, name="conformance"),
    path("openapi", views_ogc.openapi, name="openapi"),
    path("collections", views_ogc.collections, name="collections"),
    path("collections/<slug:collection_id>", views_ogc.collection, name="collection"),
    path("collections/<slug:collection_id>/items", views_ogc.items, name="items"),
    path(
        "collections/<slug:collection_id>/items/<str:feature_id>",
        views_ogc.item,
        name="item",
    ),
]
