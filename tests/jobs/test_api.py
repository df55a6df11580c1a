"""Job records over HTTP: people see their own jobs; administrators see all."""

from jobs.models import Job
from tests.factories import UserFactory


def test_list_shows_only_the_users_own_jobs(api_client, planner):
    mine = Job.objects.create(kind="k", created_by=planner)
    Job.objects.create(kind="k", created_by=UserFactory())
    api_client.force_authenticate(planner)
    response = api_client.get("/api/v1/jobs/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(mine.id)]


def test_administrator_sees_every_job(api_client, planner, administrator):
    Job.objects.create(kind="k", created_by=planner)
    Job.objects.create(kind="k", created_by=None)
    api_client.force_authenticate(administrator)
    assert api_client.get("/api/v1/jobs/").json()["count"] == 2


def test_detail_reports_state_progress_and_url(api_client, planner):
    job = Job.objects.create(
        kind="k", created_by=planner, state=Job.State.RUNNING, progress_done=1, progress_total=4
    )
    api_client.force_authenticate(planner)
    body = api_client.get(f"/api/v1/jobs/{job.id}/").json()
    assert body["state"] == "running"
    assert body["progress_percent"] == 25.0
    assert body["created_by"] == planner.username
    assert body["url"].endswith(f"/api/v1/jobs/{job.id}/")


def test_someone_elses_job_is_not_found(api_client, planner):
    job = Job.objects.create(kind="k", created_by=UserFactory())
    api_client.force_authenticate(planner)
    assert api_client.get(f"/api/v1/jobs/{job.id}/").status_code == 404
    assert api_client.post(f"/api/v1/jobs/{job.id}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED


def test_cancel_through_the_api(api_client, planner):
    job = Job.objects.create(kind="k", created_by=planner)
    api_client.force_authenticate(planner)
    response = api_client.post(f"/api/v1/jobs/{job.id}/cancel/")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
