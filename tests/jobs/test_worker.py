"""Jobs through the real Redis broker and a real Celery worker process."""

import pytest

from boundaries.models import Governorate, Locality, Municipality
from boundaries.tasks import reference_data_load_job
from core.roles import Role
from jobs.models import Job
from jobs.services import job_enqueue
from tests.conftest import wait_for_job
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_reference_data_reload_runs_on_the_worker_and_reports_progress(celery_worker, api_client):
    api_client.force_authenticate(UserFactory(role=Role.ADMINISTRATOR))
    response = api_client.post("/api/v1/boundaries/reference-data/reload/")
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    job = wait_for_job(response.json()["id"])
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.worker.startswith("test-")
    assert job.progress_percent == 100.0
    assert job.progress_done == job.progress_total > 300
    assert job.result["governorates"]["created"] == 16
    assert Governorate.objects.count() == 16
    assert Locality.objects.count() == 342
    assert Municipality.objects.filter(slug="ramallah").exists()
    polled = api_client.get(response["Location"]).json()
    assert polled["state"] == "succeeded"
    assert polled["result"]["municipalities"]["created"] == 2


def test_failing_job_is_recorded_with_its_reason_and_writes_nothing(celery_worker):
    with_missing_dir = {"source_dir": "/nonexistent/reference"}
    job = job_enqueue(task=reference_data_load_job, params=with_missing_dir, user=None)
    job = wait_for_job(job.id)
    assert job.state == Job.State.FAILED
    assert job.error_code == "missing_file"
    assert "/nonexistent/reference/regions.geojson" in job.error
    assert Governorate.objects.count() == 0
