"""Job records: enqueue, claim once, cancel."""

import socket
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.utils import timezone

from boundaries.tasks import reference_data_load_job
from core.errors import Conflict, PermissionDenied, ServiceUnavailable
from core.uploads import upload_discard
from jobs.models import Job
from jobs.services import (
    job_cancel,
    job_claim,
    job_enqueue,
    job_fail,
    job_heartbeat,
    job_reap_lost,
    job_succeed,
)
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


pytestmark = pytest.mark.django_db


def _running(*, beat_seconds_ago: float, **fields) -> Job:
    beat = timezone.now() - timedelta(seconds=beat_seconds_ago)
    return Job.objects.create(
        kind="k", state=Job.State.RUNNING, worker="w1", heartbeat_at=beat, **fields
    )


def _stored_upload(media: Path) -> str:
    (media / "uploads" / "abc").mkdir(parents=True)
    (media / "uploads" / "abc" / "lamps.gpkg").write_bytes(b"x")
    return "uploads/abc/lamps.gpkg"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_running_job_whose_heartbeat_stopped_is_reaped_as_failed(settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    silent = _running(beat_seconds_ago=61)
    alive = _running(beat_seconds_ago=5)
    assert job_reap_lost() == 1
    silent.refresh_from_db()
    alive.refresh_from_db()
    assert (silent.state, silent.error_code) == (Job.State.FAILED, "worker_lost")
    assert silent.error.startswith("The worker running this job stopped before it finished")
    assert silent.finished_at is not None
    assert alive.state == Job.State.RUNNING
    assert job_reap_lost() == 0  # nothing is reaped twice


@pytest.mark.django_db(
    transaction=True, databases="__all__"
)  # heartbeats have their own connection
def test_a_heartbeat_keeps_a_long_job_alive(settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    job = _running(beat_seconds_ago=600)
    job_heartbeat(job_id=str(job.id))
    assert job_reap_lost() == 0
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING


def test_a_job_without_heartbeat_counts_from_its_last_update(settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    recent = Job.objects.create(kind="k", state=Job.State.RUNNING)
    old = Job.objects.create(kind="k", state=Job.State.RUNNING)
    Job.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert job_reap_lost() == 1
    assert Job.objects.get(pk=old.pk).state == Job.State.FAILED
    assert Job.objects.get(pk=recent.pk).state == Job.State.RUNNING


def test_reaping_by_worker_name_fails_only_that_workers_running_jobs():
    mine = _running(beat_seconds_ago=0)
    other = Job.objects.create(kind="k", state=Job.State.RUNNING, worker="w2")
    queued = Job.objects.create(kind="k", worker="w1")
    assert job_reap_lost(worker="w1") == 1
    assert Job.objects.get(pk=mine.pk).state == Job.State.FAILED
    assert Job.objects.get(pk=other.pk).state == Job.State.RUNNING
    assert Job.objects.get(pk=queued.pk).state == Job.State.QUEUED


def test_a_second_delivery_of_a_silent_running_job_fails_it(settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    silent = _running(beat_seconds_ago=120)
    alive = _running(beat_seconds_ago=1)
    assert job_claim(job_id=str(silent.id), worker="w2") is None
    assert job_claim(job_id=str(alive.id), worker="w2") is None
    assert Job.objects.get(pk=silent.pk).error_code == "worker_lost"
    assert Job.objects.get(pk=alive.pk).state == Job.State.RUNNING  # a duplicate, not a loss


def test_a_job_given_up_as_lost_that_finishes_after_all_records_what_happened(settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    job = _running(beat_seconds_ago=300)
    job_reap_lost()
    job_succeed(job_id=str(job.id), result={"imported": 3})
    job.refresh_from_db()
    assert (job.state, job.result, job.error_code) == (Job.State.SUCCEEDED, {"imported": 3}, "")


def test_a_finished_job_is_not_reopened_by_a_late_failure():
    job = _running(beat_seconds_ago=0)
    job_succeed(job_id=str(job.id), result={})
    job_fail(job_id=str(job.id), code="worker_lost", message="late")
    assert Job.objects.get(pk=job.pk).state == Job.State.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_jobs_upload_is_removed_however_it_ends(media, settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    queued = Job.objects.create(kind="k", created_by=UserFactory())
    queued.params = {"upload": _stored_upload(media)}
    queued.save()
    job_cancel(job=queued, user=queued.created_by)
    assert not (media / "uploads" / "abc").exists()

    lost = _running(beat_seconds_ago=300, params={"upload": _stored_upload(media)})
    job_reap_lost()
    assert Job.objects.get(pk=lost.pk).state == Job.State.FAILED
    assert not (media / "uploads" / "abc").exists()

    failed = _running(beat_seconds_ago=0, params={"upload": _stored_upload(media)})
    job_fail(job_id=str(failed.id), code="import_refused", message="no")
    assert not (media / "uploads" / "abc").exists()


def test_discarding_an_upload_never_leaves_the_uploads_directory(media):
    (media / "keep").mkdir()
    (media / "keep" / "register.gpkg").write_bytes(b"x")
    for path in ("keep/register.gpkg", "uploads/../keep/register.gpkg", "/etc/passwd", "x"):
        upload_discard(path)
    assert (media / "keep" / "register.gpkg").exists()
