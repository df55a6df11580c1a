from django.urls import path

from servicerequests import api

app_name = "servicerequests_api"

urlpatterns = [
    path("", api.StaffRequestsApi.as_view(), name="list"),
    path("<str:service_request_id>/status", api.StaffRequestStatusApi.as_view(), name="status"),
]
