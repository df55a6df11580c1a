from django.urls import path

from jobs import api

app_name = "jobs"

urlpatterns = [
    path("", api.JobListApi.as_view(), name="list"),
    path("<uuid:job_id>/", api.JobDetailApi.as_view(), name="detail"),
    path("<uuid:job_id>/cancel/", api.JobCancelApi.as_view(), name="cancel"),
    path("<uuid:job_id>/file", api.JobFileApi.as_view(), name="file"),
]
