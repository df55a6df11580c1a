"""Reads of job records, filtered to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from core.errors import NotFound
from core.roles import Role, user_has_role
from jobs.models import Job


def job_list(*, user: AbstractBaseUser) -> QuerySet[Job]:
    """Administrators see every job; everyone else sees the jobs they started."""
    jobs = Job.objects.select_related("created_by")
    if user_has_role(user, Role.ADMINISTRATOR):
        return jobs
    return jobs.filter(created_by=user)


def job_get(*, user: AbstractBaseUser, job_id: str) -> Job:
    job = job_list(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code="job_not_found")
    return job
