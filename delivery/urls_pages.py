from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.request_page, name="request"),
    path("track/<str:token>/", views.track_page, name="track"),
]
