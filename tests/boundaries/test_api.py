"""Boundaries as GeoJSON for maps and GIS clients, with the attribution their licence asks."""

from django.contrib.gis.geos import Point

from boundaries.models import Municipality
from core.roles import Role
from tests.factories import UserFactory


def test_municipalities_are_geojson_with_attribution(client, reference_data):
    response = client.get("/api/v1/boundaries/municipalities/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    by_slug = {f["properties"]["slug"]: f for f in body["features"]}
    assert set(by_slug) == {"ramallah", "al-bireh"}
    assert by_slug["ramallah"]["properties"]["is_current"] is True
    assert by_slug["ramallah"]["properties"]["name_ar"] == "رام الله"
    assert by_slug["ramallah"]["geometry"]["type"] == "MultiPolygon"
    lon, lat = by_slug["ramallah"]["properties"]["label_point"]
    assert Municipality.objects.get(slug="ramallah").geom.contains(Point(lon, lat, srid=4326))
    assert [a["text"] for a in body["attribution"]] == ["© UN OCHA oPt"]


def test_governorates_are_geojson_with_codes(client, reference_data):
    body = client.get("/api/v1/boundaries/governorates/").json()
    assert len(body["features"]) == 16
    codes = {f["properties"]["pcode"] for f in body["features"]}
    assert "PS0130" in codes
    assert "Palestinian Ministry of Planning" in body["attribution"][0]["text"]


def test_plain_json_is_available_on_request(client, reference_data):
    response = client.get("/api/v1/boundaries/municipalities/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"


def test_reload_is_for_administrators_only(api_client, db):
    assert api_client.post("/api/v1/boundaries/reference-data/reload/").status_code in (401, 403)
    api_client.force_authenticate(UserFactory(role=Role.PLANNER))
    response = api_client.post("/api/v1/boundaries/reference-data/reload/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
