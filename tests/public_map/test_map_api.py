"""The public map's API: search across registers, identify at a point, the layer list."""

import pytest

from core.roles import Role
from tests.factories import UserFactory, demo_street_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return demo_street_city(user=UserFactory(role=Role.CADASTRE_OFFICER))


def test_search_reads_a_parcel_identifier_before_the_geocoder(client, city):
    body = client.get("/api/v1/map/search", {"q": "Ramallah 1/2"}).json()
    assert body["suggestions"][0]["kind"] == "parcel"
    assert body["suggestions"][0]["id"] == city["parcels"][1].pk


def test_search_finds_a_building_by_its_postcode(client, city):
    building = city["buildings"][0]
    body = client.get("/api/v1/map/search", {"q": building.postcode}).json()
    assert [(s["kind"], s["id"]) for s in body["suggestions"]][:1] == [("address", building.pk)]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("   ", "empty_query"),
        ("P6009999", "postcode_not_found"),
        ("Ramallah 9/99", "parcel_not_found"),
        ("Nowhere <5", "nothing_found"),
    ],
)
def test_a_search_that_finds_nothing_names_why(client, city, query, problem):
    response = client.get("/api/v1/map/search", {"q": query})
    assert response.status_code == 200
    assert response.json() == {"suggestions": [], "problem": problem}


def test_identify_answers_the_address_and_the_parcel_without_owners(client, city):
    building = city["buildings"][0]
    body = client.get(
        "/api/v1/map/identify",
        {"lon": building.entrance.x, "lat": building.entrance.y, "zoom": 18, "layers": "streets"},
    ).json()
    assert body["address"]["postcode"] == building.postcode
    on_street = {"lon": 35.2010, "lat": 31.905, "zoom": 18, "layers": "streets"}
    body = client.get("/api/v1/map/identify", on_street).json()
    assert body["features"][0]["collection"] == "streets"
    assert body["features"][0]["properties"]["name_en"] == "Al-Irsal Street"
    parcel = city["parcels"][0]
    inside = parcel.geom.point_on_surface
    body = client.get("/api/v1/map/identify", {"lon": inside.x, "lat": inside.y}).json()
    assert body["parcel"]["identifier"] == "Ramallah 1/1"
    assert "rights" not in body["parcel"]


def test_identify_refuses_what_is_not_a_point(client, city):
    for params in (
        {"lon": "abc", "lat": "31.9"},
        {"lon": "nan", "lat": "31.9"},
        {"lon": "200", "lat": "0"},
    ):
        response = client.get("/api/v1/map/identify", params)
        assert response.status_code == 400
    response = client.get("/api/v1/map/identify", {"lon": 35.2, "lat": 31.9, "layers": "nope"})
    assert response.status_code == 404


def test_the_layer_list_has_every_public_layer_with_its_style(client, city):
    layers = {layer["id"]: layer for layer in client.get("/api/v1/map/layers").json()}
    assert {"parcels", "streets", "addresses", "postal-zones", "municipalities"} <= set(layers)
    assert layers["parcels"]["style"]["property"] == "land_use"
    assert layers["parcels"]["min_zoom"] == 15
    assert layers["streets"]["style"]["color"] == "#1d4e89"
