"""Typed errors become responses in one place, with one body shape."""

import uuid

from django.test import RequestFactory

from core.errors import Conflict, NotFound
from core.handlers import DomainErrorMiddleware
from jobs.models import Job


def test_domain_error_in_api_has_status_code_and_message(api_client, planner):
    api_client.force_authenticate(planner)
    response = api_client.get(f"/api/v1/jobs/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "job_not_found", "message": "No such job."}
    }


def test_conflict_from_a_service_is_409(api_client, planner):
    job = Job.objects.create(kind="x", created_by=planner, state=Job.State.SUCCEEDED)
    api_client.force_authenticate(planner)
    response = api_client.post(f"/api/v1/jobs/{job.id}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_finished"


def test_anonymous_api_request_gets_the_same_body_shape(api_client, db):
    response = api_client.get("/api/v1/jobs/")
    assert response.status_code in (401, 403)
    body = response.json()["error"]
    assert body["status"] == response.status_code
    assert body["code"] in ("not_authenticated", "authentication_failed")


def test_unknown_api_path_answers_json_404(client, db):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_page_answers_html_404_in_the_page_language(client, db):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"There is nothing at this address." in response.content


def test_middleware_renders_domain_error_from_a_page_view(db):
    request = RequestFactory().get("/en/some/page/", HTTP_ACCEPT="text/html")
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, Conflict("Someone else saved first."))
    assert response.status_code == 409
    assert "Someone else saved first." in response.content.decode()


def test_middleware_answers_json_when_the_client_asks_for_it(db):
    request = RequestFactory().get("/en/some/page/", HTTP_ACCEPT="application/json")
    response = DomainErrorMiddleware(lambda r: None).process_exception(request, NotFound("gone"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_middleware_leaves_other_exceptions_to_django(db):
    request = RequestFactory().get("/en/")
    assert DomainErrorMiddleware(lambda r: None).process_exception(request, ValueError()) is None
