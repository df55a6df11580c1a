"""The layer registry over HTTP: public reads, planner writes, internal things hidden."""

from tests.factories import layer_with_points

NEW_LAYER = {
    "slug": "bus-stops",
    "title_en": "Bus stops",
    "title_ar": "مواقف الحافلات",
    "geometry_type": "Point",
    "visibility": "public",
    "schema": [{"name": "route", "type": "string", "required": True}],
}


def test_anyone_lists_public_layers_without_internal_fields(api_client, db):
    layer_with_points()
    layer_with_points(slug="sewer-valves", visibility="internal")
    body = api_client.get("/api/v1/layers/").json()
    assert [row["slug"] for row in body["results"]] == ["streetlights"]
    assert [f["name"] for f in body["results"][0]["schema"]] == ["lamp"]
    assert body["results"][0]["links"]["tilejson"].endswith("/tiles/streetlights.json")


def test_staff_see_internal_layers_and_fields(api_client, planner):
    layer_with_points(slug="sewer-valves", visibility="internal")
    api_client.force_authenticate(planner)
    body = api_client.get("/api/v1/layers/sewer-valves/").json()
    assert [f["name"] for f in body["schema"]] == ["lamp", "asset_no"]


def test_planner_creates_updates_and_deletes_a_layer(api_client, planner):
    api_client.force_authenticate(planner)
    created = api_client.post("/api/v1/layers/", NEW_LAYER, format="json")
    assert created.status_code == 201, created.json()
    assert created["Location"] == "/api/v1/layers/bus-stops/"
    changed = api_client.patch(
        "/api/v1/layers/bus-stops/", {"title_ar": "محطات الحافلات"}, format="json"
    )
    assert changed.json()["title_ar"] == "محطات الحافلات"
    assert api_client.delete("/api/v1/layers/bus-stops/").status_code == 204
    assert api_client.get("/api/v1/layers/bus-stops/").status_code == 404


def test_couriers_and_the_public_cannot_create_layers(api_client, db):
    from core.roles import Role
    from tests.factories import UserFactory

    assert api_client.post("/api/v1/layers/", NEW_LAYER, format="json").status_code in (401, 403)
    api_client.force_authenticate(UserFactory(role=Role.COURIER))
    assert api_client.post("/api/v1/layers/", NEW_LAYER, format="json").status_code == 403


def test_bad_schema_is_400_with_the_field_named(api_client, planner):
    api_client.force_authenticate(planner)
    bad = {**NEW_LAYER, "schema": [{"name": "route", "type": "colour"}]}
    response = api_client.post("/api/v1/layers/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_schema"
    assert "route" in response.json()["error"]["details"]


def test_internal_layer_is_not_found_for_the_public(api_client, db):
    layer_with_points(slug="sewer-valves", visibility="internal")
    response = api_client.get("/api/v1/layers/sewer-valves/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "layer_not_found"
