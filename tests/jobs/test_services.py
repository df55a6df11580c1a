"""Job records: enqueue, claim once, progress, finish, cancel."""

import pytest

from boundaries.tasks import reference_data_load_job
from core.errors import Conflict, InvalidInput, PermissionDenied
from jobs.models import Job
from jobs.runner import JobContext, run_job
from jobs.services import job_cancel, job_claim, job_enqueue
from tests.factories import UserFactory


def test_enqueue_records_the_job_and_sends_it_after_commit(
    planner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_enqueue(task=reference_data_load_job, params={"source_dir": "x"}, user=planner)
    assert job.state == Job.State.QUEUED
    assert job.kind == "boundaries.reference_data_load"
    assert job.created_by == planner
    assert job.params == {"source_dir": "x"}
    assert len(callbacks) == 1  # nothing reaches the broker before the record is committed


def test_a_job_is_claimed_once_even_if_delivered_twice(planner):
    job = Job.objects.create(kind="k", created_by=planner)
    assert job_claim(job_id=str(job.id), worker="w1") is not None
    assert job_claim(job_id=str(job.id), worker="w2") is None
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.worker == "w1"
    assert job.started_at is not None


def test_runner_records_result_and_full_progress(planner):
    job = Job.objects.create(kind="k", created_by=planner, params={"n": 3})

    def count(*, job: JobContext, n: int) -> dict:
        for i in range(1, n + 1):
            job.progress(i, n, f"step {i}")
        return {"counted": n}

    run_job(job_id=str(job.id), worker="w", function=count)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.result == {"counted": 3}
    assert (job.progress_done, job.progress_total, job.progress_percent) == (3, 3, 100.0)
    assert job.finished_at >= job.started_at


def test_runner_keeps_a_domain_errors_code_and_message(planner):
    job = Job.objects.create(kind="k", created_by=planner)

    def refuse(*, job: JobContext) -> None:
        raise InvalidInput("The file is not a GeoPackage.", code="bad_file")

    run_job(job_id=str(job.id), worker="w", function=refuse)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert (job.error_code, job.error) == ("bad_file", "The file is not a GeoPackage.")


def test_runner_records_an_unexpected_error_without_leaking_internals(planner, caplog):
    job = Job.objects.create(kind="k", created_by=planner)

    def crash(*, job: JobContext) -> None:
        raise KeyError("secret internal detail")

    run_job(job_id=str(job.id), worker="w", function=crash)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error_code == "internal_error"
    assert "secret internal detail" not in job.error
    assert "KeyError" in job.error
    assert "secret internal detail" in caplog.text  # the traceback is logged, not swallowed


def test_cancelling_a_queued_job_stops_it_before_it_starts(planner):
    job = Job.objects.create(kind="k", created_by=planner)
    job_cancel(job=job, user=planner)
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    ran = []
    run_job(job_id=str(job.id), worker="w", function=lambda **kw: ran.append(1))
    assert ran == []


def test_cancelling_a_running_job_stops_it_at_its_next_progress_report(planner, monkeypatch):
    monkeypatch.setattr("jobs.runner.PROGRESS_INTERVAL", 0)  # report every step
    job = Job.objects.create(kind="k", created_by=planner)
    steps = []

    def long_task(*, job: JobContext) -> None:
        for i in range(1, 5):
            if i == 2:
                job_cancel(job=Job.objects.get(pk=job.job_id), user=planner)
            job.progress(i, 4)
            steps.append(i)

    run_job(job_id=str(job.id), worker="w", function=long_task)
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert steps == [1]


def test_finished_job_cannot_be_cancelled(planner):
    job = Job.objects.create(kind="k", created_by=planner, state=Job.State.FAILED)
    with pytest.raises(Conflict):
        job_cancel(job=job, user=planner)


def test_only_owner_or_administrator_may_cancel(planner, administrator):
    job = Job.objects.create(kind="k", created_by=planner)
    with pytest.raises(PermissionDenied):
        job_cancel(job=job, user=UserFactory())
    assert job_cancel(job=job, user=administrator).state == Job.State.CANCELLED
