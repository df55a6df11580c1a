from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.request_page, name="request"),
    path("track/<str:token>/", views.track_page, name="track"),
    path("dispatch/", views.dispatch_page, name="dispatch"),
    path("courier/", views.courier_page, name="courier"),
    path("courier/worker.js", views.courier_worker, name="courier-worker"),
    path("rounds/<int:pk>/sheet.pdf", views.round_sheet, name="sheet"),
]
