"""The staff's JSON API for service requests: the queue with contacts (each list recorded as a
read of personal data), and status changes that the public then reads through Open311."""

from __future__ import annotations

import pytest

from core.models import ChangeRecord, PersonalDataRead
from core.roles import Role
from servicerequests.services import Contact, service_request_create
from tests.factories import UserFactory
from tests.servicerequests.conftest import INSIDE

pytestmark = pytest.mark.django_db
API = "/api/v1/service-requests"


@pytest.fixture
def leak(town):
    return service_request_create(
        service_code="water-leak",
        lon=INSIDE[0],
        lat=INSIDE[1],
        description="Water running down the street",
        contact=Contact(first_name="Lina", phone="0599 123 456"),
    )


def test_staff_list_the_queue_with_contacts_and_the_read_is_recorded(api_client, leak):
    dispatcher = UserFactory(role=Role.DISPATCHER)
    api_client.force_authenticate(dispatcher)
    body = api_client.get(f"{API}/", {"department": "water-sewerage"}).json()
    assert [r["service_request_id"] for r in body["requests"]] == [leak.service_request_id]
    assert body["requests"][0]["contact"]["phone"] == "0599 123 456"
    assert body["requests"][0]["workflow_status"] == "received"
    read = PersonalDataRead.objects.get(object_id=str(leak.pk))
    assert (read.user, read.roles, read.via) == (dispatcher, "dispatcher", f"{API}/")
    assert api_client.get(f"{API}/", {"department": "roads"}).json()["requests"] == []


def test_a_status_change_is_recorded_and_the_public_reads_it(api_client, leak, client):
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    answer = api_client.post(
        f"{API}/{leak.service_request_id}/status",
        {"status": "resolved", "notes": "Pipe repaired."},
        format="json",
    )
    assert answer.status_code == 200
    assert (answer.json()["workflow_status"], answer.json()["status"]) == ("resolved", "closed")
    assert ChangeRecord.objects.filter(collection="service-requests").exists()
    public = client.get(f"/open311/v2/requests/{leak.service_request_id}.json").json()[0]
    assert (public["status"], public["status_notes"]) == ("closed", "Pipe repaired.")
    assert "contact" not in public


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"status": "done"}, 400, "invalid"),
        ({"status": "resolved", "notes": "<b>fixed</b>"}, 400, "invalid"),
    ],
)
def test_a_bad_status_change_is_refused_and_changes_nothing(api_client, leak, body, status, code):
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    answer = api_client.post(f"{API}/{leak.service_request_id}/status", body, format="json")
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    leak.refresh_from_db()
    assert leak.workflow_status == "received"


def test_unknown_requests_are_404_and_the_public_and_couriers_are_refused(api_client, leak):
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    assert api_client.post(f"{API}/SR-NOPE/status", {"status": "assigned"}).status_code == 404
    api_client.force_authenticate(UserFactory(role=Role.COURIER))
    assert api_client.get(f"{API}/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(f"{API}/").status_code in (401, 403)
    assert not PersonalDataRead.objects.exists()
