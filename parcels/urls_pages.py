from django.urls import path

from parcels import views

app_name = "parcel_pages"

urlpatterns = [path("<int:pk>/extract", views.extract, name="extract")]
