"""OGC API - Features over HTTP, as a GIS client and a browser see it."""

import pytest

from tests.factories import layer_with_points

MANARA = (35.2042, 31.9038)
BIREH = (35.2250, 31.9150)


@pytest.fixture
def lights(db):
    return layer_with_points(points=[MANARA, BIREH])


def test_landing_page_links_the_definition_conformance_and_data(client, db):
    body = client.get("/ogcapi/").json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    definition = client.get("/ogcapi/openapi").json()
    assert "/collections/{collectionId}/items" in definition["paths"]


def test_conformance_declares_core_geojson_html_oas30_and_crs(client, db):
    classes = client.get("/ogcapi/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_collections_list_only_what_the_caller_may_see(client, lights, planner):
    layer_with_points(slug="sewer-valves", visibility="internal", points=[MANARA])
    public = {c["id"] for c in client.get("/ogcapi/collections").json()["collections"]}
    assert "streetlights" in public
    assert "sewer-valves" not in public
    assert client.get("/ogcapi/collections/sewer-valves/items").status_code == 404
    client.force_login(planner)
    staff = {c["id"] for c in client.get("/ogcapi/collections").json()["collections"]}
    assert "sewer-valves" in staff


def test_collection_has_extent_crs_list_and_links(client, lights):
    body = client.get("/ogcapi/collections/streetlights").json()
    assert body["extent"]["spatial"]["bbox"][0] == pytest.approx([*MANARA, *BIREH])
    assert "http://www.opengis.net/def/crs/EPSG/0/28191" in body["crs"]
    assert body["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert {"self", "items", "tiles"} <= {link["rel"] for link in body["links"]}


def test_items_are_geojson_pages_with_next_and_prev_links(client, lights):
    response = client.get("/ogcapi/collections/streetlights/items?limit=1")
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    body = response.json()
    assert (body["numberMatched"], body["numberReturned"]) == (2, 1)
    assert body["features"][0]["properties"] == {"lamp": "LED"}  # no internal asset_no
    next_link = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(next_link.replace("http://testserver", "")).json()
    assert second["features"][0]["id"] != body["features"][0]["id"]
    assert "next" not in {link["rel"] for link in second["links"]}
    assert "prev" in {link["rel"] for link in second["links"]}


def test_bbox_and_property_filters_narrow_the_features(client, lights):
    around_manara = "35.20,31.90,35.21,31.91"
    body = client.get(f"/ogcapi/collections/streetlights/items?bbox={around_manara}").json()
    assert body["numberMatched"] == 1
    assert body["features"][0]["geometry"]["coordinates"] == pytest.approx(list(MANARA))
    assert (
        client.get("/ogcapi/collections/streetlights/items?lamp=sodium").json()["numberMatched"]
        == 0
    )


def test_the_public_cannot_filter_on_internal_attributes(client, lights):
    response = client.get("/ogcapi/collections/streetlights/items?asset_no=1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameter"


def test_response_crs_is_the_one_asked_for(client, lights):
    response = client.get(
        "/ogcapi/collections/streetlights/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326"
    )
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    lat, lon = response.json()["features"][0]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(MANARA)
    grid = client.get("/ogcapi/collections/streetlights/items?crs=EPSG:28191").json()
    easting, northing = grid["features"][0]["geometry"]["coordinates"]
    assert 160_000 < easting < 175_000
    assert 140_000 < northing < 155_000


def test_datetime_filters_on_the_last_change(client, lights):
    assert (
        client.get("/ogcapi/collections/streetlights/items?datetime=../2000-01-01").json()[
            "numberMatched"
        ]
        == 0
    )
    assert (
        client.get("/ogcapi/collections/streetlights/items?datetime=2000-01-01/..").json()[
            "numberMatched"
        ]
        == 2
    )


def test_single_item_and_a_missing_one(client, lights):
    feature = lights.features.first()
    body = client.get(f"/ogcapi/collections/streetlights/items/{feature.pk}").json()
    assert body["id"] == feature.pk
    assert body["properties"] == {"lamp": "LED"}
    missing = client.get("/ogcapi/collections/streetlights/items/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "feature_not_found"
    assert client.get("/ogcapi/collections/streetlights/items/abc").status_code == 404


def test_html_pages_for_browsers(client, lights):
    page = client.get("/ogcapi/collections/streetlights/items?f=html")
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "lamp" in html
    assert "asset_no" not in html
    browser = client.get("/ogcapi/collections", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert browser["Content-Type"].startswith("text/html")


def test_synthetic_layers_say_so(client, db):
    from layers.services import layer_create

    layer_create(
        slug="demo-trees",
        title_en="Trees",
        geometry_type="Point",
        visibility="public",
        is_synthetic=True,
        user=None,
    )
    body = client.get("/ogcapi/collections/demo-trees").json()
    assert body["description"].startswith("[Synthetic data]")
    html = client.get("/ogcapi/collections/demo-trees/items?f=html").content.decode()
    assert "Synthetic data" in html or "بيانات" in html
