"""The Django project: settings, URL routes, WSGI/ASGI entry points and the Celery app."""

from gis_project.celery import app as celery_app

__all__ = ["celery_app"]
