"""Internal layers and internal attributes never reach anonymous callers, by any endpoint."""

import json

import pytest

from tests.factories import layer_with_points

MANARA = (35.2042, 31.9038)
MANARA_TILE = "15/19588/13317"
SECRET_NUMBER = 4242


@pytest.fixture
def layers(db):
    public = layer_with_points(slug="streetlights", points=[MANARA])
    public.features.update(properties={"lamp": "LED", "asset_no": SECRET_NUMBER})
    internal = layer_with_points(slug="sewer-valves", visibility="internal", points=[MANARA])
    return public, internal


INTERNAL_LAYER_URLS = [
    "/api/v1/layers/sewer-valves/",
    "/tiles/sewer-valves.json",
    f"/tiles/sewer-valves/{MANARA_TILE}.mvt",
    "/ogcapi/collections/sewer-valves",
    "/ogcapi/collections/sewer-valves/items",
    "/ogcapi/collections/sewer-valves/items/1",
    "/api/v1/collections/sewer-valves/export?format=geojson",
]


@pytest.mark.parametrize("url", INTERNAL_LAYER_URLS)
def test_an_internal_layer_does_not_exist_for_the_public(client, layers, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "sewer" not in json.dumps(response.json()["error"].get("details") or {})


def test_listings_never_name_an_internal_layer(client, layers):
    for url in ["/api/v1/layers/", "/ogcapi/collections", "/ogcapi/collections?f=html"]:
        assert b"sewer-valves" not in client.get(url).content


PUBLIC_LAYER_URLS = [
    "/api/v1/layers/streetlights/",
    "/tiles/streetlights.json",
    f"/tiles/streetlights/{MANARA_TILE}.mvt",
    "/ogcapi/collections/streetlights/items",
    "/ogcapi/collections/streetlights/items?f=html",
    "/api/v1/collections/streetlights/export?format=geojson",
    "/api/v1/collections/streetlights/export?format=csv",
    "/api/v1/collections/streetlights/export?format=gpkg",
]


@pytest.mark.parametrize("url", PUBLIC_LAYER_URLS)
def test_an_internal_attribute_is_never_sent_to_the_public(client, layers, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"asset_no" not in body
    assert str(SECRET_NUMBER).encode() not in body


def test_staff_see_both(client, layers, planner):
    client.force_login(planner)
    assert client.get("/ogcapi/collections/sewer-valves/items").status_code == 200
    body = client.get("/ogcapi/collections/streetlights/items").json()
    assert body["features"][0]["properties"]["asset_no"] == SECRET_NUMBER
