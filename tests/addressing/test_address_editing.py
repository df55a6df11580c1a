"""Adding a building entrance (numbered on its street, given its postcode) and retiring one,
over HTTP, by addressing officers only."""

import pytest
from rest_framework.test import APIClient

from addressing.models import Building, BuildingStatus
from addressing.services import building_numbering_apply
from core.models import ChangeRecord
from core.roles import Role
from tests.factories import UserFactory, buildings_beside


def as_role(role):
    client = APIClient()
    client.force_login(UserFactory(role=role))
    return client


@pytest.fixture
def numbered(irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.2,))
    building_numbering_apply(street=irsal)
    return irsal


def test_an_officer_adds_an_entrance_that_is_numbered_and_given_its_postcode(numbered):
    # Al-Irsal Street runs west to east along latitude 31.905; this entrance is 11 m north.
    (x0, y0) = numbered.geom.coords[0]
    response = as_role(Role.ADDRESSING_OFFICER).post(
        "/api/v1/addresses", {"lon": x0 + 0.003, "lat": y0 + 0.0001}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["street"] == "Al-Irsal Street"
    assert body["number"] == "3"  # the next odd number on the left, after 1
    assert body["postcode"].startswith("P600")
    actions = ChangeRecord.objects.filter(collection="addresses", feature_id=str(body["id"]))
    assert [r.action for r in actions] == ["create", "update", "update"]


@pytest.mark.parametrize(
    ("lon", "lat", "status", "code"),
    [
        (35.2100, 31.9140, 400, "no_street_near"),  # in town, far from any street
        (2.35, 48.85, 400, "outside_municipality"),
    ],
)
def test_an_entrance_with_no_street_near_is_refused(numbered, lon, lat, status, code):
    before = Building.objects.count()
    response = as_role(Role.ADDRESSING_OFFICER).post(
        "/api/v1/addresses", {"lon": lon, "lat": lat}, format="json"
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Building.objects.count() == before


def test_only_addressing_officers_add_or_retire(numbered):
    building = Building.objects.get()
    planner = as_role(Role.PLANNER)
    assert planner.post("/api/v1/addresses", {"lon": 35.2, "lat": 31.905}).status_code == 403
    assert planner.post(f"/api/v1/addresses/{building.pk}/retire").status_code == 403


def test_an_officer_retires_a_building_which_keeps_its_postcode(numbered):
    building = Building.objects.get()
    response = as_role(Role.ADDRESSING_OFFICER).post(f"/api/v1/addresses/{building.pk}/retire")
    assert response.status_code == 200
    building.refresh_from_db()
    assert building.status == BuildingStatus.RETIRED
    again = as_role(Role.ADDRESSING_OFFICER).post(f"/api/v1/addresses/{building.pk}/retire")
    assert again.status_code == 409
