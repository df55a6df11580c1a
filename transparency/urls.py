from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("transparency/", views.transparency_page, name="transparency"),
    path("privacy/", views.privacy_page, name="privacy"),
]
