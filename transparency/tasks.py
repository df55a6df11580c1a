"""Periodic tasks of the transparency app, started by Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from transparency.services import personal_data_retention_apply

RETENTION_TASK = "transparency.personal_data_retention"


@shared_task(name=RETENTION_TASK, ignore_result=True)
def personal_data_retention() -> dict:
    """Apply the retention periods of personal data as of now; returns the counts (for the
    worker's log). A run missed while the platform was down is made up by the next: periods
    are compared with the current time, not with the schedule."""
    return personal_data_retention_apply(now=timezone.now()).as_dict()
