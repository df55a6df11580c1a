"""The Celery application. Tasks are discovered in each app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_project.settings.prod")

app = Celery("gis_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
