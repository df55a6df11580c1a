"""A citizen who reports while signed in (single sign-on or a local account) finds the report
under "My requests", with its status and the municipality's notes. The link to their account is
made only with the session's CSRF token, so another site cannot file a report in their name,
and it is personal data: the retention job unlinks it with the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from servicerequests.models import ServiceRequest
from servicerequests.services import service_request_create, service_request_update_status
from tests.factories import UserFactory
from tests.servicerequests.conftest import INSIDE
from transparency.services import personal_data_retention_apply

pytestmark = pytest.mark.django_db
API = "/open311/v2"


def _report(client: Client, **extra):
    data = {
        "service_code": "pothole",
        "lat": str(INSIDE[1]),
        "long": str(INSIDE[0]),
        "description": "A deep hole by the school gate",
        **extra,
    }
    return client.post(f"{API}/requests.json", data)


@pytest.fixture
def citizen_browser(town):
    """A signed-in citizen's browser, with Django's CSRF checks on as in production."""
    browser = Client(enforce_csrf_checks=True)
    citizen = UserFactory(first_name="Omar", email="omar@example.ps")
    browser.force_login(citizen)
    page = browser.get("/en/map/")
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert 'value="omar@example.ps"' in page.content.decode()  # the form is filled in
    browser.citizen = citizen
    return browser


def test_signed_in_citizens_report_is_theirs_and_listed_under_my_requests(citizen_browser):
    token = citizen_browser.cookies["csrftoken"].value
    response = _report(citizen_browser, csrfmiddlewaretoken=token)
    assert response.status_code == 201, response.content
    created = ServiceRequest.objects.get()
    assert created.reporter == citizen_browser.citizen
    service_request_update_status(
        request=created, status="in_progress", notes="A crew goes on Monday.", user=None
    )
    someone_else = service_request_create(
        service_code="pothole", lat=INSIDE[1], lon=INSIDE[0], description="Not Omar's"
    )
    page = citizen_browser.get("/en/service-requests/mine/")
    assert page.status_code == 200
    html = page.content.decode()
    assert created.service_request_id in html
    assert "A crew goes on Monday." in html
    assert someone_else.service_request_id not in html
    assert 'href="/en/service-requests/mine/"' in html  # "My requests" in the header


def test_signed_in_report_without_the_csrf_token_is_refused_and_nothing_stored(
    citizen_browser,
):
    response = _report(citizen_browser)
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_reports_without_a_session_stay_anonymous(client, town):
    assert _report(client).status_code == 201
    assert ServiceRequest.objects.get().reporter is None


def test_my_requests_asks_to_sign_in_first(client):
    response = client.get("/en/service-requests/mine/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/sign-in/")


def test_retention_unlinks_the_reporters_account_with_the_contact(citizen_browser):
    token = citizen_browser.cookies["csrftoken"].value
    _report(citizen_browser, csrfmiddlewaretoken=token)
    created = ServiceRequest.objects.get()
    service_request_update_status(request=created, status="resolved", notes="", user=None)
    later = timezone.now() + timedelta(days=400)
    assert personal_data_retention_apply(now=later).service_requests == 1
    created.refresh_from_db()
    assert created.reporter is None
    assert citizen_browser.citizen.service_requests_reported.count() == 0
