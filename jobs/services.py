"""Writes on job records: enqueue and cancel (for callers), claim, progress, heartbeat and
finish (for the worker-side runner in ``jobs.runner``), and reaping the jobs whose worker died.

A job's ``upload`` parameter (a file stored by ``core.uploads.upload_store``) belongs to the
job: it is removed when the job ends, however it ends (done, failed, cancelled, lost).
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, PermissionDenied, ServiceUnavailable
from core.roles import Role, signed_in, user_has_role
from core.uploads import upload_discard
from jobs.models import Job
from jobs.selectors import job_result_dir

logger = logging.getLogger(__name__)

MESSAGE_MAX = Job._meta.get_field("message").max_length
# Publishing gives up after about two seconds: a request must not hang on a dead broker.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}
BROKER_DOWN = "The job queue cannot be reached, so the job was not started. Try again later."
WORKER_LOST = (
    "The worker running this job stopped before it finished; nothing it was writing was kept. "
    "Start the job again."
)
# A job ends from these states; a job given up as lost may still end for real, if its worker
# was only silent (then the record tells what did happen).
_ENDABLE = Q(state__in=[Job.State.QUEUED, Job.State.RUNNING]) | Q(
    state=Job.State.FAILED, error_code="worker_lost"
)


def job_enqueue(
    *, task: Task, params: dict[str, Any], user: AbstractBaseUser | AnonymousUser | None
) -> Job:
    """Record a job and send it to the broker once the surrounding transaction commits.

    ``task`` is a task declared with :func:`jobs.runner.job_task`; ``params`` are its keyword
    arguments and must be JSON-serialisable. The job's id is also the Celery task id.
    """
    owner = signed_in(user)
    job = Job.objects.create(kind=task.name, params=params, created_by=owner)
    job_id = str(job.id)

    def publish() -> None:
        try:
            with current_app.connection_for_write() as connection:
                task.apply_async(
                    args=[job_id],
                    task_id=job_id,
                    connection=connection,
                    retry=True,
                    retry_policy=PUBLISH_RETRY,
                )
        except Exception as exc:  # kombu raises transport-specific errors
            logger.exception("job %s (%s) could not be published", job_id, task.name)
            job_fail(job_id=job_id, code="broker_unavailable", message=BROKER_DOWN)
            raise ServiceUnavailable(BROKER_DOWN, code="broker_unavailable") from exc

    transaction.on_commit(publish)
    return job


def job_cancel(*, job: Job, user: AbstractBaseUser) -> Job:
    """Cancel a queued job at once; ask a running job to stop at its next progress report."""
    if job.created_by_id != user.pk and not user_has_role(user, Role.ADMINISTRATOR):
        raise PermissionDenied("Only the job's owner or an administrator may cancel it.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise Conflict(f"The job has already finished ({job.state}).", code="job_finished")
        if job.state == Job.State.QUEUED:
            job.state = Job.State.CANCELLED
            job.finished_at = timezone.now()
            job.message = "cancelled before it started"
        job.cancel_requested = True
        job.save()
        if job.is_finished:
            transaction.on_commit(lambda: _leftovers_discard(str(job.pk), job.params))
    return job


def job_claim(*, job_id: str, worker: str, redelivered: bool = False) -> Job | None:
    """Move a queued job to running. Returns None when it must not run: it was cancelled or
    already finished, or it is running. A job found running in a message the broker
    redelivered lost its worker: it is marked failed rather than run a second time."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is not None and job.state == Job.State.RUNNING:
            if redelivered or _silent(job):
                logger.warning("job %s (%s) lost its worker %s", job_id, job.kind, job.worker)
                job_fail(job_id=job_id, code="worker_lost", message=WORKER_LOST)
            return None
        if job is None or job.state != Job.State.QUEUED:
            return None
        job.state = Job.State.RUNNING
        job.worker = worker[:200]
        job.started_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["state", "worker", "started_at", "heartbeat_at", "updated_at"])
    return job


def _lost_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)


def _silent(job: Job) -> bool:
    return job.heartbeat_at is None or job.heartbeat_at < _lost_before()


def job_heartbeat(*, job_id: str) -> None:
    """Record that the job's worker is alive (through ``JOB_PROGRESS_DATABASE``, committed at
    once). The runner calls it every ``JOB_HEARTBEAT_SECONDS`` while the job runs."""
    Job.objects.using(settings.JOB_PROGRESS_DATABASE).filter(
        pk=job_id, state=Job.State.RUNNING
    ).update(heartbeat_at=timezone.now())


def job_reap_lost(*, worker: str | None = None) -> int:
    """Fail the running jobs whose worker died: no heartbeat for ``JOB_LOST_AFTER_SECONDS``
    or, with ``worker``, every running job of that worker (a worker that starts again under
    its name knows its earlier jobs are dead). Returns how many jobs were failed.

    What a lost job was writing is not kept: every job writes in one transaction, which
    PostgreSQL rolls back when the worker's connection drops. Its upload is removed.
    """
    lost = Job.objects.filter(state=Job.State.RUNNING)
    if worker:
        lost = lost.filter(worker=worker)
    else:
        # A job without a heartbeat (started before heartbeats existed) counts from its
        # last update.
        lost = lost.filter(
            Q(heartbeat_at__lt=_lost_before())
            | Q(heartbeat_at__isnull=True, updated_at__lt=_lost_before())
        )
    # Cheap when nothing is lost, which is nearly always: job reads call this first.
    candidates = list(lost.values_list("pk", flat=True)[:100])
    reaped = 0
    for job_id in candidates:
        with transaction.atomic():
            job = lost.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue
            logger.warning(
                "job %s (%s) lost its worker %s (last heartbeat %s)",
                job.pk, job.kind, job.worker, job.heartbeat_at,
            )  # fmt: skip
            job_fail(job_id=str(job.pk), code="worker_lost", message=WORKER_LOST)
            reaped += 1
    return reaped


def job_report_progress(*, job_id: str, done: int, total: int | None, message: str) -> bool:
    """Store progress; returns True when someone asked the job to stop.

    Written through its own database connection (``JOB_PROGRESS_DATABASE``), which commits at
    once: a job whose work is one transaction still shows its progress, and never holds a
    lock on its job record that would make a cancel request wait.
    """
    jobs = Job.objects.using(settings.JOB_PROGRESS_DATABASE)
    now = timezone.now()
    jobs.filter(pk=job_id, state=Job.State.RUNNING).update(
        progress_done=done,
        progress_total=total,
        message=message[:MESSAGE_MAX],
        heartbeat_at=now,
        updated_at=now,
    )
    return jobs.filter(pk=job_id, cancel_requested=True).exists()


def _finish(job_id: str, **fields: Any) -> None:
    now = timezone.now()
    ending = Job.objects.filter(_ENDABLE, pk=job_id)
    params = ending.values_list("params", flat=True).first()
    if ending.update(finished_at=now, updated_at=now, **fields):
        succeeded = fields.get("state") == Job.State.SUCCEEDED
        transaction.on_commit(lambda: _leftovers_discard(job_id, params, succeeded=succeeded))


def _leftovers_discard(job_id: str, params: dict | None, *, succeeded: bool = False) -> None:
    """A job's upload goes when it ends; a file it was writing goes unless it succeeded."""
    upload = (params or {}).get("upload")
    if isinstance(upload, str):
        upload_discard(upload)
    if not succeeded:
        shutil.rmtree(job_result_dir(job_id=job_id), ignore_errors=True)


def job_succeed(*, job_id: str, result: Any) -> None:
    job = Job.objects.only("progress_total").get(pk=job_id)
    extra = {"progress_done": job.progress_total} if job.progress_total else {}
    # error fields are cleared: a job given up as lost may succeed after all
    _finish(
        job_id,
        state=Job.State.SUCCEEDED,
        result=result,
        message="",
        error_code="",
        error="",
        **extra,
    )


def job_fail(*, job_id: str, code: str, message: str) -> None:
    _finish(job_id, state=Job.State.FAILED, error_code=code[:50], error=message)


def job_mark_cancelled(*, job_id: str) -> None:
    _finish(
        job_id,
        state=Job.State.CANCELLED,
        message="cancelled while running",
        error_code="",
        error="",
    )
