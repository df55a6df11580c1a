from django.urls import path

from routing import views

app_name = "routing_pages"

urlpatterns = [path("closures/", views.closures_page, name="closures")]
