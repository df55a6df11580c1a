"""Every long task runs as a job on the real broker and worker: exports, tile seeding and
topology audits (imports, batch geocoding and round planning have their own tests in their
apps). A job can be cancelled while it runs, a failed or cancelled job leaves no file, and two
workers on one queue never run a job twice."""

from __future__ import annotations

import time
import uuid

import pyogrio
import pytest
from celery import current_app
from django.conf import settings

from core.models import CachedTile
from core.roles import Role
from jobs.models import Job
from jobs.selectors import job_result_dir
from jobs.services import job_enqueue
from layers.tasks import collection_export_job, layer_import_job, tiles_seed_job
from tests.conftest import ARTIFACTS, celery_worker_start, celery_worker_stop, wait_for_job
from tests.factories import (
    UserFactory,
    layer_with_points,
    locality_create,
    parcels_grid,
    town_create,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LAMPS = [(35.2042 + i * 0.001, 31.9038 + (i % 7) * 0.001) for i in range(40)]


@pytest.fixture
def planner_client(api_client):
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    return api_client


def _started(response) -> str:
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_an_export_job_delivers_the_file_to_its_owner_only(celery_worker, planner_client, tmp_path):
    layer_with_points(points=LAMPS)
    job_id = _started(
        planner_client.post(
            "/api/v1/collections/streetlights/exports",
            {"format": "gpkg", "crs": "EPSG:28191"},
            format="json",
        )
    )
    job = wait_for_job(job_id)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.result["features"] == len(LAMPS)
    body = planner_client.get(f"/api/v1/jobs/{job_id}/").json()
    assert body["progress_percent"] == 100.0
    assert body["file_url"].endswith(f"/api/v1/jobs/{job_id}/file")
    download = planner_client.get(body["file_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="streetlights-epsg')
    path = tmp_path / "export.gpkg"
    path.write_bytes(b"".join(download.streaming_content))
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(LAMPS)
    assert frame.crs.to_epsg() == 28191

    planner_client.force_authenticate(UserFactory(role=Role.PLANNER))  # another planner
    refused = planner_client.get(f"/api/v1/jobs/{job_id}/file")
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "job_not_found")


def test_a_large_download_is_sent_to_a_job_with_the_reason(planner_client, monkeypatch):
    layer_with_points(points=LAMPS)
    monkeypatch.setattr("layers.views_export.INLINE_MAX_FEATURES", 10)
    response = planner_client.get("/api/v1/collections/streetlights/export")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "export_too_large"
    assert "POST /api/v1/collections/streetlights/exports" in error["message"]


def test_a_failed_export_leaves_no_file(celery_worker, planner_client):
    owner = UserFactory(role=Role.PLANNER)
    gone = {"collection": "removed-meanwhile", "user_id": owner.pk, "format": "gpkg", "crs": 0}
    job = wait_for_job(job_enqueue(task=collection_export_job, params=gone, user=owner).id)
    assert (job.state, job.error_code) == (Job.State.FAILED, "collection_not_found")
    assert not job_result_dir(job_id=str(job.id)).exists()
    planner_client.force_authenticate(owner)
    response = planner_client.get(f"/api/v1/jobs/{job.id}/file")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "result_not_ready")


def test_a_seeding_job_fills_the_public_tile_cache(celery_worker, planner_client, client):
    layer_with_points(points=LAMPS)
    job_id = _started(
        planner_client.post(
            "/api/v1/collections/streetlights/tile-seeding",
            {"min_zoom": 13, "max_zoom": 15},
            format="json",
        )
    )
    job = wait_for_job(job_id)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.result["rendered"] == job.result["tiles"] > 0
    assert (
        CachedTile.objects.filter(collection="streetlights", audience="public").count()
        == (job.result["tiles"])
    )
    tile = client.get("/tiles/streetlights/15/19588/13317.mvt")
    assert tile["X-Tile-Cache"] == "hit"  # the first visitor is served from the cache


def test_a_running_seeding_job_can_be_cancelled(celery_worker, planner_client):
    layer_with_points(points=LAMPS)
    job_id = _started(
        planner_client.post(
            "/api/v1/collections/streetlights/tile-seeding",
            {"min_zoom": 10, "max_zoom": 19, "bbox": [35.17, 31.88, 35.24, 31.93]},
            format="json",
        )
    )
    deadline = time.monotonic() + 60
    while Job.objects.get(pk=job_id).progress_done == 0:
        assert time.monotonic() < deadline, "the seeding never started"
        time.sleep(0.05)
    cancel = planner_client.post(f"/api/v1/jobs/{job_id}/cancel/")
    assert cancel.status_code == 200
    job = wait_for_job(job_id)
    assert job.state == Job.State.CANCELLED
    assert 0 < job.progress_done < job.progress_total


def test_an_audit_job_reports_the_registers_topology(celery_worker, api_client):
    officer = UserFactory(role=Role.CADASTRE_OFFICER)
    town = town_create()
    locality = locality_create(town=town)
    parcels_grid(locality=locality, town=town, user=officer, cols=3)
    api_client.force_authenticate(officer)
    job_id = _started(
        api_client.post("/api/v1/parcels/audits", {"locality": locality.pk}, format="json")
    )
    job = wait_for_job(job_id)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert (job.result["parcels"], job.result["clean"]) == (3, True)
    assert job.progress_total == 4
    refused = api_client.post("/api/v1/parcels/audits", {"basin": 1}, format="json")
    assert refused.json()["error"]["code"] == "audit_basin_without_locality"


def test_two_workers_share_a_queue_and_never_run_a_job_twice(planner_client, monkeypatch):
    """Every job is sent twice (as a broker may after a reconnection): both workers take
    messages, and each job runs exactly once."""
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-pair-{uuid.uuid4().hex[:6]}"
    monkeypatch.setitem(current_app.conf, "task_default_queue", queue)
    layer_with_points(points=LAMPS)
    logs = [ARTIFACTS / f"worker-pair-{n}.log" for n in (1, 2)]
    workers = [
        celery_worker_start(
            queue=queue, hostname=f"pair{n}-{uuid.uuid4().hex[:6]}@%h", log_path=log
        )
        for n, log in enumerate(logs, 1)
    ]
    try:
        ids = []
        for _ in range(12):
            job_id = _started(
                planner_client.post(
                    "/api/v1/collections/streetlights/tile-seeding",
                    {"min_zoom": 14, "max_zoom": 16},
                    format="json",
                )
            )
            tiles_seed_job.apply_async(args=[job_id], task_id=job_id)  # the duplicate
            ids.append(job_id)
        jobs = [wait_for_job(job_id) for job_id in ids]
    finally:
        for worker in workers:
            celery_worker_stop(worker)
    assert all(job.state == Job.State.SUCCEEDED for job in jobs)
    assert len({job.worker for job in jobs}) == 2  # both workers ran jobs
    text = "".join(log.read_text() for log in logs)
    assert text.count("received") == 2 * len(ids)  # every message was delivered
    skipped = text.count("skipped: not queued")
    print(
        f"\n{len(ids)} jobs sent twice to 2 workers: {len(ids)} runs, {skipped} duplicates skipped"
    )
    assert skipped == len(ids)


def test_a_job_whose_upload_disappeared_fails_with_the_reason(celery_worker):
    owner = UserFactory(role=Role.PLANNER)
    params = {"upload": "uploads/0123abcd/vanished.gpkg", "user_id": owner.pk, "layer": None}
    params["new_layer"] = {"slug": "vanished", "title_en": "Vanished"}
    job = wait_for_job(job_enqueue(task=layer_import_job, params=params, user=owner).id)
    assert (job.state, job.error_code) == (Job.State.FAILED, "input_missing")
    assert job.error.startswith("The uploaded file is no longer there")


def test_with_the_broker_down_a_start_is_refused_and_the_web_tier_answers(
    planner_client, monkeypatch
):
    layer_with_points(points=LAMPS)
    monkeypatch.setitem(current_app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing there
    refused = planner_client.post("/api/v1/collections/streetlights/exports", {}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (503, "broker_unavailable")
    jobs = planner_client.get("/api/v1/jobs/")
    assert jobs.status_code == 200
    [job] = jobs.json()["results"]
    assert (job["state"], job["error_code"]) == ("failed", "broker_unavailable")
    download = planner_client.get("/api/v1/collections/streetlights/export")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"SQLite format 3")  # a GeoPackage
    download.close()  # closes the file and removes its temporary directory
