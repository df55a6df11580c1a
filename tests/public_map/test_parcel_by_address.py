"""The parcel under an address: the geocoder finds the building, the cadastre the land."""

import pytest

from addressing.services import building_numbering_apply
from core.roles import Role
from tests.factories import (
    UserFactory,
    buildings_beside,
    locality_create,
    parcels_grid,
    street_along,
    town_create,
)


@pytest.fixture
def registered(db):
    town = town_create()
    locality = locality_create(town=town)
    officer = UserFactory(role=Role.CADASTRE_OFFICER)
    parcels = parcels_grid(locality=locality, town=town, user=officer, cols=2)
    street = street_along(
        town=town,
        code="RAM-0100",
        name_ar="شارع الورود",
        name_en="Al-Wurud Street",
        start=(35.2000, 31.89995),
        end=(35.2004, 31.89995),
    )
    # The entrance stands 11 m north of the street, a quarter along it: inside parcel 1/1.
    buildings_beside(street=street, fractions_left=(0.25,))
    building_numbering_apply(street=street)
    return parcels


@pytest.mark.parametrize("query", ["1 Al-Wurud Street", "شارع الورود 1"])
def test_an_address_finds_the_parcel_under_its_building(client, registered, query):
    response = client.get("/api/v1/parcels/by-address", {"q": query})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parcel"]["identifier"] == "Ramallah 1/1"
    assert body["address"]["label_en"].startswith("1 Al-Wurud Street")
    assert "rights" not in body["parcel"]  # the public never reads owners


def test_an_unknown_address_is_not_found(client, registered):
    response = client.get("/api/v1/parcels/by-address", {"q": "99 Nowhere Road"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "address_not_found"


def test_an_empty_address_is_refused(client, registered):
    assert client.get("/api/v1/parcels/by-address", {"q": ""}).status_code == 400
