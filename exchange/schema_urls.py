"""The URL configuration the exchange's own OpenAPI document is generated from: the exchange
paths alone, with their full prefix."""

from django.urls import include, path

urlpatterns = [path("exchange/v1/", include("exchange.urls"))]
