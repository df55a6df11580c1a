"""Editing features over OGC API - Features Part 4, with ETags, history and permissions per role
and per layer. Nothing refused is ever written."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.models import ChangeRecord
from core.roles import Role, role_group
from layers.models import AccessLevel, Feature, LayerPermission
from tests.factories import UserFactory, layer_with_points, town_create

ITEMS = "/ogcapi/collections/streetlights/items"
LAMP = {"type": "Point", "coordinates": [35.2010, 31.9050]}


def feature(geometry=None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry or LAMP, "properties": properties}


@pytest.fixture
def lights(db):
    town_create()
    return layer_with_points(points=[(35.2000, 31.9050)])


def as_role(role: Role | None) -> APIClient:
    client = APIClient()
    if role is not None:
        client.force_login(UserFactory(role=role))
    return client


def created(client) -> tuple[str, str]:
    response = client.post(ITEMS, feature(lamp="LED", asset_no=7), format="json")
    assert response.status_code == 201, response.content
    return response["Location"].rsplit("/", 1)[1], response["ETag"]


def test_a_planner_creates_a_feature_and_reads_its_etag(lights):
    planner = as_role(Role.PLANNER)
    feature_id, etag = created(planner)
    assert etag == '"1"'
    read = planner.get(f"{ITEMS}/{feature_id}?f=json")
    assert read["ETag"] == '"1"'
    assert read.json()["properties"] == {"lamp": "LED", "asset_no": 7}


def test_two_sessions_edit_one_feature_and_the_stale_save_is_refused(lights):
    first, second = as_role(Role.PLANNER), as_role(Role.PLANNER)
    feature_id, etag = created(first)
    url = f"{ITEMS}/{feature_id}"
    # Both read version 1; the first saves, then the second saves what it read.
    saved = first.patch(url, feature(lamp="sodium"), format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200
    assert saved["ETag"] == '"2"'
    stale = second.patch(url, feature(lamp="LED", asset_no=99), format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["current_version"] == 2
    kept = Feature.objects.get(pk=feature_id)
    assert kept.properties == {"lamp": "sodium", "asset_no": 7}
    assert kept.version == 2


def test_an_edit_without_if_match_is_refused(lights):
    planner = as_role(Role.PLANNER)
    feature_id, _etag = created(planner)
    response = planner.put(f"{ITEMS}/{feature_id}", feature(lamp="sodium"), format="json")
    assert response.status_code == 428
    assert Feature.objects.get(pk=feature_id).version == 1


def test_put_replaces_patch_merges_delete_removes(lights):
    planner = as_role(Role.PLANNER)
    feature_id, _ = created(planner)
    url = f"{ITEMS}/{feature_id}"
    put = planner.put(url, feature(lamp="sodium"), format="json", HTTP_IF_MATCH='"1"')
    assert put.json()["properties"] == {"lamp": "sodium"}  # asset_no replaced away
    patch = planner.patch(
        url, {"type": "Feature", "properties": {"asset_no": 3}}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert patch.json()["properties"] == {"lamp": "sodium", "asset_no": 3}
    assert planner.delete(url, HTTP_IF_MATCH='"3"').status_code == 204
    assert not Feature.objects.filter(pk=feature_id).exists()


BAD = [
    (
        {"type": "LineString", "coordinates": [[35.2, 31.9], [35.201, 31.9]]},
        400,
        "wrong_geometry_type",
    ),
    ({"type": "Point", "coordinates": [2.35, 48.85]}, 400, "outside_municipality"),
    ({"type": "Point", "coordinates": ["35.2", "x"]}, 400, "invalid_geometry"),
    ({"type": "Point", "coordinates": [31.905, 235.2]}, 400, "invalid_coordinates"),
    (
        {"type": "MultiPoint", "coordinates": [[35.2 + i * 1e-6, 31.905] for i in range(20_001)]},
        413,
        "too_many_vertices",
    ),
]


@pytest.mark.parametrize(("geometry", "status", "code"), BAD)
def test_a_bad_geometry_is_refused_and_nothing_written(lights, geometry, status, code):
    before = (Feature.objects.count(), ChangeRecord.objects.count())
    response = as_role(Role.PLANNER).post(ITEMS, feature(geometry, lamp="LED"), format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert (Feature.objects.count(), ChangeRecord.objects.count()) == before


def test_properties_that_break_the_schema_are_refused(lights):
    response = as_role(Role.PLANNER).post(ITEMS, feature(lamp="candle"), format="json")
    assert response.status_code == 400
    assert "candle" in str(response.json()["error"]["details"])


@pytest.mark.parametrize("token", [None, "forged-token-0123456789abcdef0123456789abcdef"])
def test_a_session_write_without_a_true_csrf_token_is_refused(lights, token):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=Role.PLANNER))
    before = Feature.objects.count()
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    response = client.post(
        ITEMS, feature(lamp="LED"), content_type="application/geo+json", **headers
    )
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert Feature.objects.count() == before


def test_a_read_only_collection_refuses_edits_with_405(lights):
    response = as_role(Role.ADMINISTRATOR).post(
        "/ogcapi/collections/municipalities/items", feature(lamp="LED"), format="json"
    )
    assert response.status_code == 405


# Who may do what, on a layer without permission rows and on one that grants dispatchers
# editing: (role, without rows, with rows).
MATRIX = [
    (None, 403, 403),
    (Role.COURIER, 403, 403),
    (Role.DISPATCHER, 403, 201),
    (Role.ADDRESSING_OFFICER, 403, 403),
    (Role.CADASTRE_OFFICER, 403, 403),
    (Role.PLANNER, 201, 403),
    (Role.ADMINISTRATOR, 201, 201),
]


@pytest.mark.parametrize(("role", "default", "granted"), MATRIX)
def test_who_may_create_follows_role_and_layer_permissions(lights, role, default, granted):
    client = as_role(role)
    assert client.post(ITEMS, feature(lamp="LED"), format="json").status_code == default
    LayerPermission.objects.create(
        layer=lights, group=role_group(Role.DISPATCHER), level=AccessLevel.EDIT
    )
    assert client.post(ITEMS, feature(lamp="LED"), format="json").status_code == granted


@pytest.mark.parametrize(("role", "default", "granted"), MATRIX)
def test_who_may_change_and_delete_follows_the_same_rules(lights, role, default, granted):
    feature_id, _ = created(as_role(Role.ADMINISTRATOR))
    url = f"{ITEMS}/{feature_id}"
    client = as_role(role)
    ok = {201: 200, 403: 403}
    response = client.patch(url, feature(lamp="sodium"), format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == ok[default]
    LayerPermission.objects.create(
        layer=lights, group=role_group(Role.DISPATCHER), level=AccessLevel.EDIT
    )
    version = Feature.objects.get(pk=feature_id).version
    deleted = client.delete(url, HTTP_IF_MATCH=f'"{version}"')
    assert deleted.status_code == {201: 204, 403: 403}[granted]


def test_an_internal_layer_with_permissions_is_seen_only_by_the_roles_listed(db):
    town_create()
    valves = layer_with_points(slug="valves", visibility="internal", points=[(35.2, 31.905)])
    LayerPermission.objects.create(
        layer=valves, group=role_group(Role.PLANNER), level=AccessLevel.VIEW
    )
    for role, status in [(Role.PLANNER, 200), (Role.DISPATCHER, 404), (None, 404)]:
        client = as_role(role)
        assert client.get("/ogcapi/collections/valves/items?f=json").status_code == status
        assert client.get("/tiles/valves/15/19588/13317.mvt").status_code == status
        export = client.get("/api/v1/collections/valves/export?format=geojson")
        assert export.status_code == status
        if export.streaming:  # read to the end, which closes the exported file
            assert b"".join(export.streaming_content)


def test_history_shows_every_version_and_restores_one_as_a_new_version(lights):
    planner = as_role(Role.PLANNER)
    feature_id, _ = created(planner)
    url = f"{ITEMS}/{feature_id}"
    planner.patch(url, feature(lamp="sodium"), format="json", HTTP_IF_MATCH='"1"')
    moved = {"type": "Point", "coordinates": [35.2020, 31.9060]}
    planner.patch(url, feature(moved), format="json", HTTP_IF_MATCH='"2"')
    base = f"/api/v1/collections/streetlights/items/{feature_id}"
    history = planner.get(f"{base}/history").json()["versions"]
    assert [(v["version"], v["action"]) for v in history] == [
        (1, "create"),
        (2, "update"),
        (3, "update"),
    ]
    assert history[1]["before"]["properties"]["lamp"] == "LED"
    assert history[1]["after"]["properties"]["lamp"] == "sodium"
    assert all(v["user"] for v in history)
    compared = planner.get(f"{base}/versions/1?compare=3").json()["difference"]
    assert compared == {"geometry_changed": True, "properties": {"lamp": ["LED", "sodium"]}}
    at_creation = ChangeRecord.objects.get(feature_id=feature_id, version=1).at
    as_of = planner.get(f"{base}/as-of", {"at": at_creation.isoformat()}).json()
    assert as_of["version"] == 1
    restored = planner.post(f"{base}/restore", {"version": 1}, format="json", HTTP_IF_MATCH='"3"')
    assert restored.status_code == 200
    assert restored["ETag"] == '"4"'
    assert restored.json()["properties"] == {"lamp": "LED", "asset_no": 7}
    assert restored.json()["geometry"]["coordinates"] == LAMP["coordinates"]
    assert ChangeRecord.objects.get(feature_id=feature_id, version=4).action == "restore"


def test_the_public_cannot_read_history(lights):
    feature_id, _ = created(as_role(Role.PLANNER))
    response = as_role(None).get(f"/api/v1/collections/streetlights/items/{feature_id}/history")
    assert response.status_code in (401, 403)


@pytest.fixture
def plots(db):
    """A polygon layer holding one square plot of about 0.0004 degrees."""
    from django.contrib.gis.geos import Polygon

    from layers.services import feature_create, layer_create

    town_create()
    layer = layer_create(
        slug="plots",
        title_en="Plots",
        geometry_type="MultiPolygon",
        visibility="internal",
        user=None,
        schema=[{"name": "use", "type": "string"}],
    )
    square = Polygon.from_bbox((35.2000, 31.9000, 35.2004, 31.9004))
    square.srid = 4326
    feature_create(layer=layer, geometry=square, properties={"use": "garden"}, user=None)
    return layer


CUT = {"type": "LineString", "coordinates": [[35.2002, 31.8998], [35.2002, 31.9006]]}


def test_a_feature_is_split_by_a_line_and_merged_back(plots):
    planner = as_role(Role.PLANNER)
    square = plots.features.get()
    base = f"/api/v1/collections/plots/items/{square.pk}"
    split = planner.post(f"{base}/split", {"cut_line": CUT}, format="json", HTTP_IF_MATCH='"1"')
    assert split.status_code == 200, split.content
    pieces = split.json()["features"]
    assert len(pieces) == 2
    assert pieces[0]["id"] == square.pk  # the first piece keeps the feature
    assert [p["properties"] for p in pieces] == [{"use": "garden"}, {"use": "garden"}]
    actions = list(ChangeRecord.objects.filter(collection="plots").values_list("action", flat=True))
    assert actions == ["create", "update", "create"]
    merged = planner.post(
        "/api/v1/collections/plots/merge",
        {"features": [p["id"] for p in pieces], "versions": [p["version"] for p in pieces]},
        format="json",
    )
    assert merged.status_code == 200, merged.content
    assert plots.features.count() == 1
    area = plots.features.get().geom
    assert area.area == pytest.approx(0.0004 * 0.0004, rel=1e-9)


@pytest.mark.parametrize(
    ("cut", "etag", "status", "code"),
    [
        ({"type": "LineString", "coordinates": [[35.201, 31.8998], [35.201, 31.9006]]}, '"1"', 400,
         "cut_does_not_cross"),
        ({"type": "Point", "coordinates": [35.2002, 31.9002]}, '"1"', 400, "cut_not_a_line"),
        (CUT, '"9"', 412, "stale_version"),
    ],
)  # fmt: skip
def test_a_bad_split_is_refused_and_nothing_written(plots, cut, etag, status, code):
    square = plots.features.get()
    before = ChangeRecord.objects.count()
    response = as_role(Role.PLANNER).post(
        f"/api/v1/collections/plots/items/{square.pk}/split",
        {"cut_line": cut},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert plots.features.count() == 1
    assert ChangeRecord.objects.count() == before
