from django.urls import path

from servicerequests import views

app_name = "servicerequests"

urlpatterns = [
    path("mine/", views.my_requests, name="mine"),
    path("staff/", views.staff_requests, name="staff"),
    path("staff/<int:pk>/photo", views.staff_photo, name="staff-photo"),
]
