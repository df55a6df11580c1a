"""Uploading a file starts an import job; the job reports progress and its report."""

from pathlib import Path

import pytest

from core.roles import Role
from jobs.models import Job
from layers.models import Layer
from tests.conftest import wait_for_job
from tests.factories import UserFactory, layer_with_points

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"


def upload(api_client, name: str, **fields):
    with (FILES / name).open("rb") as fh:
        return api_client.post(
            "/api/v1/layers/imports/", {"file": fh, **fields}, format="multipart"
        )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestImportJobs:
    def test_upload_imports_on_the_worker_and_reports(self, celery_worker, api_client):
        planner = UserFactory(role=Role.PLANNER)
        api_client.force_authenticate(planner)
        response = upload(
            api_client, "localities_28191.zip", new_slug="villages", new_title_ar="القرى"
        )
        assert response.status_code == 202, response.json()
        job = wait_for_job(response.json()["id"])
        assert job.state == Job.State.SUCCEEDED, job.error
        assert job.progress_percent == 100.0
        assert job.result["imported"] == 4
        assert job.result["source_crs"] == "EPSG:28191"
        layer = Layer.objects.get(slug="villages")
        assert (layer.title_ar, layer.created_by, layer.features.count()) == ("القرى", planner, 4)
        uploads = Path(job.params["upload"]).parent
        from django.conf import settings

        assert not (Path(settings.MEDIA_ROOT) / uploads).exists()  # the upload is removed

    def test_a_refused_import_fails_the_job_with_the_reason_and_writes_nothing(
        self, celery_worker, api_client
    ):
        api_client.force_authenticate(UserFactory(role=Role.PLANNER))
        response = upload(api_client, "parcels_2154_one_bowtie.gpkg", new_slug="paris")
        job = wait_for_job(response.json()["id"])
        assert (job.state, job.error_code) == (Job.State.FAILED, "import_refused")
        assert job.error.startswith("1 of 30 features cannot be imported")
        assert not Layer.objects.filter(slug="paris").exists()


def test_uploads_over_the_limit_are_413(api_client, planner, settings):
    settings.LAYER_UPLOAD_MAX_BYTES = 1000
    api_client.force_authenticate(planner)
    response = upload(api_client, "localities_28191.zip", new_slug="villages")
    assert response.status_code == 413
    assert "uploads are limited to 0 MB" in response.json()["error"]["message"]
    assert not Job.objects.exists()


def test_an_empty_upload_is_400(api_client, planner):
    api_client.force_authenticate(planner)
    response = upload(api_client, "empty.gpkg", new_slug="x")
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_target_must_be_one_layer_or_a_new_one(api_client, planner):
    api_client.force_authenticate(planner)
    layer_with_points()
    response = upload(api_client, "health_lonlat.csv", new_slug="x", layer="streetlights")
    assert response.status_code == 400
    assert upload(api_client, "health_lonlat.csv", layer="nope").status_code == 404


def test_only_planners_and_administrators_import(api_client, db):
    assert upload(api_client, "health_lonlat.csv", new_slug="x").status_code in (401, 403)
    api_client.force_authenticate(UserFactory(role=Role.DISPATCHER))
    assert upload(api_client, "health_lonlat.csv", new_slug="x").status_code == 403
