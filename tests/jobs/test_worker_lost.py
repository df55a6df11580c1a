"""A worker that dies in the middle of a job: killed whole (the machine or container is gone),
or its pool process killed (the kernel's out-of-memory killer). The job is reported failed, not
left running; nothing it was writing is kept; its upload is removed; the same job submitted
again imports exactly once. Each test runs its own workers on its own queue, so the session's
worker never takes these jobs."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.backups import table_fingerprints
from core.roles import Role
from jobs.models import Job
from layers.models import Layer
from tests.conftest import ARTIFACTS, celery_worker_start, celery_worker_stop, wait_for_job
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

POINTS = 200_000  # about four seconds of import here: long enough to be killed half-way


@pytest.fixture(scope="module")
def big_points(tmp_path_factory) -> Path:
    """A GeoPackage of POINTS generated points (EPSG:4326) over Ramallah."""
    rng = np.random.default_rng(9)
    path = tmp_path_factory.mktemp("lost") / "lamps.gpkg"
    pyogrio.write_dataframe(
        _frame(
            shapely.points(rng.uniform(35.17, 35.24, POINTS), rng.uniform(31.88, 31.93, POINTS)),
            rng.integers(1, 9999, POINTS),
        ),
        path,
        layer="lamps",
    )
    return path


def _frame(geometries, numbers):
    import geopandas as gpd

    return gpd.GeoDataFrame({"lamp_no": numbers}, geometry=geometries, crs="EPSG:4326")


@pytest.fixture
def own_queue(monkeypatch) -> str:
    """A queue of this test's own: jobs enqueued in the test go there."""
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lost-{uuid.uuid4().hex[:6]}"
    monkeypatch.setitem(current_app.conf, "task_default_queue", queue)
    return queue


def _import(api_client, path: Path, slug: str):
    with path.open("rb") as fh:
        response = api_client.post(
            "/api/v1/layers/imports/", {"file": fh, "new_slug": slug}, format="multipart"
        )
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _half_way(job_id: str, timeout: float = 120) -> Job:
    """The job once it has written at least one batch and is not done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        assert not job.is_finished, f"the job ended before it could be killed: {job.error}"
        if job.state == Job.State.RUNNING and job.progress_done >= 10_000:
            return job
        time.sleep(0.02)
    pytest.fail("the import did not get half-way")


def _fingerprints() -> dict[str, str]:
    with connection.cursor() as cursor:
        found = table_fingerprints(cursor=cursor)
    found.pop("jobs_job")  # the job's own record is the one thing that must change
    return found


def _pool_process(worker_pid: int) -> int:
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    assert len(children) == 1, children  # --concurrency=1
    return int(children[0])


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_reads_failed(
    api_client, big_points, own_queue, settings
):
    planner = UserFactory(role=Role.PLANNER)
    api_client.force_authenticate(planner)
    before = _fingerprints()
    worker = celery_worker_start(
        queue=own_queue,
        hostname=f"doomed-{uuid.uuid4().hex[:6]}@%h",
        log_path=ARTIFACTS / "worker-killed.log",
        own_session=True,
    )
    try:
        job_id = _import(api_client, big_points, "lamps")
        job = _half_way(job_id)
        os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, at once: no clean-up runs
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    print(f"\nkilled the worker at {job.progress_done:,} of {job.progress_total:,} features")
    settings.JOB_LOST_AFTER_SECONDS = 2  # the reaper runs here, in the web tier
    deadline = time.monotonic() + 60
    while (state := api_client.get(f"/api/v1/jobs/{job_id}/").json())["state"] == "running":
        assert time.monotonic() < deadline, "the job still reads as running"
        time.sleep(0.5)
    assert (state["state"], state["error_code"]) == ("failed", "worker_lost")
    assert state["error"].startswith("The worker running this job stopped before it finished")
    assert state["finished_at"] is not None
    assert _fingerprints() == before  # not one feature, layer or change record was kept
    assert not Layer.objects.filter(slug="lamps").exists()
    assert not (Path(settings.MEDIA_ROOT) / job.params["upload"]).parent.exists()

    # The same file submitted again, to a new worker, imports once and completely.
    settings.JOB_LOST_AFTER_SECONDS = 120
    worker = celery_worker_start(
        queue=own_queue,
        hostname=f"after-{uuid.uuid4().hex[:6]}@%h",
        log_path=ARTIFACTS / "worker-after-kill.log",
    )
    try:
        again = wait_for_job(_import(api_client, big_points, "lamps"))
    finally:
        celery_worker_stop(worker)
    assert again.state == Job.State.SUCCEEDED, again.error
    assert again.result["imported"] == POINTS
    assert Layer.objects.get(slug="lamps").features.count() == POINTS
    assert Job.objects.get(pk=job_id).state == Job.State.FAILED  # never run a second time


def test_a_job_whose_pool_process_is_killed_is_failed_and_not_run_again(
    api_client, big_points, own_queue
):
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    before = _fingerprints()
    worker = celery_worker_start(
        queue=own_queue,
        hostname=f"oom-{uuid.uuid4().hex[:6]}@%h",
        log_path=ARTIFACTS / "worker-oom.log",
    )
    try:
        job_id = _import(api_client, big_points, "lamps")
        _half_way(job_id)
        os.kill(_pool_process(worker.pid), signal.SIGKILL)  # as the out-of-memory killer does
        # The worker hands the job back to the broker, which delivers it again: the job
        # is recognised as one whose worker died and is failed instead of run twice.
        job = wait_for_job(job_id, timeout=60)
    finally:
        celery_worker_stop(worker)
    assert (job.state, job.error_code) == (Job.State.FAILED, "worker_lost")
    assert _fingerprints() == before
    assert not (Path(settings.MEDIA_ROOT) / job.params["upload"]).parent.exists()


def test_a_worker_started_again_under_its_name_fails_its_earlier_jobs_at_once(own_queue):
    name = f"restarted-{uuid.uuid4().hex[:6]}@{os.uname().nodename}"
    earlier = Job.objects.create(
        kind="layers.layer_import",
        state=Job.State.RUNNING,
        worker=name,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),  # it looks alive: only the restart tells otherwise
    )
    worker = celery_worker_start(
        queue=own_queue, hostname=name, log_path=ARTIFACTS / "worker-restarted.log"
    )
    try:
        earlier.refresh_from_db()
    finally:
        celery_worker_stop(worker)
    assert (earlier.state, earlier.error_code) == (Job.State.FAILED, "worker_lost")
