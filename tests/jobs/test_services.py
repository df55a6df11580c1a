"""Job records: enqueue, claim once, cancel."""

import socket

import pytest
from celery import current_app

from boundaries.tasks import reference_data_load_job
from core.errors import Conflict, PermissionDenied, ServiceUnavailable
from jobs.models import Job
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


def test_unreachable_broker_fails_the_job_and_answers_503(
    planner, monkeypatch, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setitem(current_app.conf, "broker_url", f"redis://127.0.0.1:{closed}/0")
    with (
        pytest.raises(ServiceUnavailable) as raised,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job_enqueue(task=reference_data_load_job, params={}, user=planner)
    assert raised.value.status_code == 503
    assert raised.value.code == "broker_unavailable"
    job = Job.objects.get(created_by=planner)
    assert (job.state, job.error_code) == (Job.State.FAILED, "broker_unavailable")


def test_a_job_is_claimed_once_even_if_delivered_twice(planner):
    job = Job.objects.create(kind="k", created_by=planner)
    assert job_claim(job_id=str(job.id), worker="w1") is not None
    assert job_claim(job_id=str(job.id), worker="w2") is None
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.worker == "w1"
    assert job.started_at is not None


def test_a_running_job_redelivered_after_its_worker_died_is_failed_not_rerun(planner):
    job = Job.objects.create(kind="k", created_by=planner)
    job_claim(job_id=str(job.id), worker="w1")
    assert job_claim(job_id=str(job.id), worker="w2", redelivered=True) is None
    job.refresh_from_db()
    assert (job.state, job.error_code, job.worker) == (Job.State.FAILED, "worker_lost", "w1")


def test_cancelling_a_queued_job_marks_it_cancelled(planner):
    job = job_cancel(job=Job.objects.create(kind="k", created_by=planner), user=planner)
    assert job.state == Job.State.CANCELLED
    assert job.finished_at is not None


def test_cancelling_a_running_job_asks_it_to_stop(planner):
    job = Job.objects.create(kind="k", created_by=planner, state=Job.State.RUNNING)
    job = job_cancel(job=job, user=planner)
    assert (job.state, job.cancel_requested) == (Job.State.RUNNING, True)


def test_finished_job_cannot_be_cancelled(planner):
    job = Job.objects.create(kind="k", created_by=planner, state=Job.State.FAILED)
    with pytest.raises(Conflict):
        job_cancel(job=job, user=planner)


def test_only_owner_or_administrator_may_cancel(planner, administrator):
    job = Job.objects.create(kind="k", created_by=planner)
    with pytest.raises(PermissionDenied):
        job_cancel(job=job, user=UserFactory())
    assert job_cancel(job=job, user=administrator).state == Job.State.CANCELLED
