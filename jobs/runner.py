"""How a function becomes a background job.

    @job_task("boundaries.reference_data_load")
    def reference_data_load_job(*, job: JobContext, source_dir: str) -> dict:
        ...
        job.progress(3, 10, "localities")
        return {"created": 12}

The decorated function runs in a Celery worker. The runner claims the job record, passes a
:class:`JobContext` for progress reports, stores the returned (JSON) result, and records a
failure with its message: a :class:`core.errors.DomainError` keeps its code and message, any
other exception is logged with its traceback and recorded as an internal error.

While the function runs, a thread writes the job's heartbeat; a job whose heartbeat stops (the
worker was killed) is failed by ``jobs.services.job_reap_lost``, never left running.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, connections

from core.errors import DomainError
from jobs import services
from jobs.selectors import job_result_dir

logger = logging.getLogger(__name__)

# Progress reports are cheap, but not free: write at most this often (seconds).
PROGRESS_INTERVAL = 0.5


class JobCancelled(Exception):
    """Raised inside a job when its owner asked it to stop."""


class JobContext:
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self._last_report = 0.0

    def result_dir(self) -> Path:
        """The directory for the file this job delivers (created); name the file in the
        result as ``{"file": name, "media_type": ...}`` and it can be downloaded from
        ``/api/v1/jobs/<id>/file``. Removed if the job does not succeed."""
        directory = job_result_dir(job_id=self.job_id)
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Report progress; raises :class:`JobCancelled` if the job should stop."""
        now = time.monotonic()
        if total is not None and done < total and now - self._last_report < PROGRESS_INTERVAL:
            return
        self._last_report = now
        if services.job_report_progress(
            job_id=self.job_id, done=done, total=total, message=message
        ):
            raise JobCancelled


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat every ``JOB_HEARTBEAT_SECONDS`` until stopped."""

    def __init__(self, job_id: str) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    services.job_heartbeat(job_id=self.job_id)
                except DatabaseError:
                    # The database is away for a moment; the next beat tries again, and a
                    # long silence is exactly what the reaper must see.
                    logger.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only


def job_user(user_id: int | None) -> AbstractBaseUser | None:
    """The user a job acts for (its ``user_id`` parameter), or None when there is none or the
    account is gone since the job was started."""
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def run_job(
    *, job_id: str, worker: str, function: Callable[..., Any], redelivered: bool = False
) -> None:
    job = services.job_claim(job_id=job_id, worker=worker, redelivered=redelivered)
    if job is None:
        logger.info("job %s skipped: not queued (cancelled, finished or running)", job_id)
        return
    upload = job.params.get("upload")
    if isinstance(upload, str) and not (Path(settings.MEDIA_ROOT) / upload).is_file():
        # Removed meanwhile, or MEDIA_ROOT is not the storage the web servers share with the
        # workers (a deployment error the message must point at).
        logger.error("job %s: its upload %s is not under %s", job_id, upload, settings.MEDIA_ROOT)
        services.job_fail(
            job_id=job_id,
            code="input_missing",
            message="The uploaded file is no longer there, so the job could not start; upload "
            "it again. (If this happens to every job, the workers do not share the web "
            "servers' MEDIA_ROOT.)",
        )
        return
    heartbeat = _Heartbeat(job_id)
    heartbeat.start()
    try:
        result = function(job=JobContext(job_id), **job.params)
        json.dumps(result)  # the result is stored as JSON: a job must return plain data
    except JobCancelled:
        services.job_mark_cancelled(job_id=job_id)
    except DomainError as exc:
        services.job_fail(job_id=job_id, code=exc.code, message=exc.message)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        services.job_fail(
            job_id=job_id,
            code="internal_error",
            message=f"Internal error ({type(exc).__name__}); the worker log has the details.",
        )
    else:
        services.job_succeed(job_id=job_id, result=result)
    finally:
        heartbeat.stopped.set()
        heartbeat.join()


@worker_ready.connect
def _jobs_of_this_worker_lost(sender: Any = None, **kwargs: Any) -> None:
    """A worker starting under a name fails the jobs still marked running under that name:
    they belonged to its previous life (killed, or the machine restarted)."""
    name = getattr(sender, "hostname", None)
    if not name:
        return
    try:
        lost = services.job_reap_lost(worker=name)
    finally:
        connections.close_all()  # forked pool processes must not share this connection
    if lost:
        logger.warning("%d job(s) of the previous %s were marked failed (worker lost)", lost, name)


def job_task(name: str) -> Callable[[Callable[..., Any]], Task]:
    """Declare ``function`` as a background job named ``name`` (returns the Celery task)."""

    def decorator(function: Callable[..., Any]) -> Task:
        @shared_task(name=name, bind=True)
        def task(self: Task, job_id: str) -> None:
            delivery = self.request.delivery_info or {}
            run_job(
                job_id=job_id,
                worker=self.request.hostname or "",
                function=function,
                redelivered=bool(delivery.get("redelivered")),
            )

        task.__doc__ = function.__doc__
        return task

    return decorator
