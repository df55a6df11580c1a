"""Reads of job records, filtered to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
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


def job_result_dir(*, job_id: str) -> Path:
    """Where a job writes the file it delivers (under MEDIA_ROOT, storage every web server
    and worker shares). Removed with the job's leftovers unless the job succeeds."""
    return Path(settings.MEDIA_ROOT) / "results" / "jobs" / str(job_id)


@dataclass(frozen=True)
class JobFile:
    path: Path
    filename: str
    media_type: str


def job_result_file(*, user: AbstractBaseUser, job_id: str) -> JobFile:
    """The file a finished job delivered (its result names it: ``file``, ``media_type``), for
    the job's owner or an administrator."""
    job = job_get(user=user, job_id=job_id)
    result = job.result if isinstance(job.result, dict) else {}
    name = result.get("file")
    if job.state != Job.State.SUCCEEDED or not isinstance(name, str):
        raise NotFound("This job has no file to download (yet).", code="result_not_ready")
    path = job_result_dir(job_id=str(job.pk)) / Path(name).name
    if not path.is_file():
        raise NotFound("The job's file is no longer kept.", code="result_gone")
    media_type = result.get("media_type")
    return JobFile(
        path=path,
        filename=path.name,
        media_type=media_type if isinstance(media_type, str) else "application/octet-stream",
    )
