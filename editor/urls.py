from django.urls import path

from editor import views

app_name = "editor"

urlpatterns = [
    path("", views.editor, name="editor"),
    path("jobs/", views.jobs, name="jobs"),
]
