"""Service requests as an OGC API collection: public, without personal data."""

from __future__ import annotations

from rest_framework.test import APIClient

from core.roles import Role
from servicerequests.services import Contact, service_request_create
from tests.factories import UserFactory
from tests.servicerequests.conftest import INSIDE


def test_the_public_collection_shows_requests_without_contact_or_workflow(town):
    service_request_create(
        service_code="water-leak",
        lon=INSIDE[0],
        lat=INSIDE[1],
        description="Leak",
        contact=Contact(first_name="Lina", email="lina@example.org", phone="0599123456"),
    )
    client = APIClient()
    response = client.get("/ogcapi/collections/service-requests/items?f=json")
    assert response.status_code == 200, response.content
    [feature] = response.json()["features"]
    assert feature["properties"]["service_code"] == "water-leak"
    assert feature["properties"]["agency_responsible"] == "water-sewerage"
    assert "workflow_status" not in feature["properties"]
    text = response.content.decode()
    assert "Lina" not in text
    assert "lina@example.org" not in text
    assert "0599123456" not in text
    client.force_login(UserFactory(role=Role.PLANNER))  # OGC API pages read the session
    staff = client.get("/ogcapi/collections/service-requests/items?f=json").json()
    assert staff["features"][0]["properties"]["workflow_status"] == "received"
