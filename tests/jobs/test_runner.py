"""The runner: claim, run, report progress out of band, record the outcome."""

import threading

import pytest
from django.db import connection, transaction

from core.errors import InvalidInput
from jobs.models import Job
from jobs.runner import JobContext, run_job
from jobs.services import job_cancel
from tests.factories import UserFactory

# Progress goes through its own connection, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def owner():
    return UserFactory()


def in_another_thread(function):
    """Run ``function`` on a connection of its own, as another request would."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=10)
    outcome["finished"] = not thread.is_alive()
    return outcome


def test_runner_records_result_and_full_progress(owner):
    job = Job.objects.create(kind="k", created_by=owner, params={"n": 3})

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


def test_progress_shows_and_cancel_answers_while_the_jobs_transaction_is_open(owner):
    job = Job.objects.create(kind="k", created_by=owner)
    seen = {}

    def one_long_transaction(*, job: JobContext) -> None:
        with transaction.atomic():
            job.progress(1, 4, "first quarter")
            seen["progress"] = in_another_thread(
                lambda: Job.objects.values_list("progress_done", "message").get(pk=job.job_id)
            )
            seen["cancel"] = in_another_thread(
                lambda: job_cancel(job=Job.objects.get(pk=job.job_id), user=owner).state
            )
            job.progress(4, 4)  # the last report always reaches the database

    run_job(job_id=str(job.id), worker="w", function=one_long_transaction)
    assert seen["progress"] == {"finished": True, "value": (1, "first quarter")}
    assert seen["cancel"] == {"finished": True, "value": Job.State.RUNNING}
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED


def test_runner_keeps_a_domain_errors_code_and_message(owner):
    job = Job.objects.create(kind="k", created_by=owner)

    def refuse(*, job: JobContext) -> None:
        raise InvalidInput("The file is not a GeoPackage.", code="bad_file")

    run_job(job_id=str(job.id), worker="w", function=refuse)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert (job.error_code, job.error) == ("bad_file", "The file is not a GeoPackage.")


def test_runner_records_an_unexpected_error_without_leaking_internals(owner, caplog):
    job = Job.objects.create(kind="k", created_by=owner)

    def crash(*, job: JobContext) -> None:
        raise KeyError("secret internal detail")

    run_job(job_id=str(job.id), worker="w", function=crash)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error_code == "internal_error"
    assert "secret internal detail" not in job.error
    assert "KeyError" in job.error
    assert "secret internal detail" in caplog.text  # the traceback is logged, not swallowed


def test_a_result_that_is_not_plain_data_fails_the_job_instead_of_leaving_it_running(owner):
    job = Job.objects.create(kind="k", created_by=owner)
    run_job(job_id=str(job.id), worker="w", function=lambda *, job: {"when": object()})
    job.refresh_from_db()
    assert (job.state, job.error_code) == (Job.State.FAILED, "internal_error")


def test_a_cancelled_queued_job_never_runs(owner):
    job = Job.objects.create(kind="k", created_by=owner)
    job_cancel(job=job, user=owner)
    ran = []
    run_job(job_id=str(job.id), worker="w", function=lambda **kw: ran.append(1))
    assert ran == []
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED


def test_cancelling_a_running_job_stops_it_at_its_next_progress_report(owner, monkeypatch):
    monkeypatch.setattr("jobs.runner.PROGRESS_INTERVAL", 0)  # report every step
    job = Job.objects.create(kind="k", created_by=owner)
    steps = []

    def long_task(*, job: JobContext) -> None:
        for i in range(1, 5):
            if i == 2:
                job_cancel(job=Job.objects.get(pk=job.job_id), user=owner)
            job.progress(i, 4)
            steps.append(i)

    run_job(job_id=str(job.id), worker="w", function=long_task)
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert steps == [1]
