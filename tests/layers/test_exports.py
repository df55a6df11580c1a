"""Exporting collections in open formats and a CRS the user picks."""

import io
import zipfile

import pyogrio
import pytest

from tests.factories import layer_with_points

MANARA = (35.2042, 31.9038)
BIREH = (35.2250, 31.9150)


@pytest.fixture
def lights(db):
    return layer_with_points(points=[MANARA, BIREH])


def read(response, tmp_path, suffix):
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(b"".join(response.streaming_content))
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize(
    ("fmt", "suffix", "media_type"),
    [
        ("gpkg", "gpkg", "application/geopackage+sqlite3"),
        ("geojson", "geojson", "application/geo+json"),
        ("shp", "zip", "application/zip"),
    ],
)
def test_every_format_holds_the_visible_attributes_only(
    client, lights, tmp_path, fmt, suffix, media_type
):
    response = client.get(f"/api/v1/collections/streetlights/export?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert response["X-Feature-Count"] == "2"
    frame = read(response, tmp_path, suffix)
    assert len(frame) == 2
    assert "lamp" in frame.columns
    assert "asset_no" not in frame.columns


def test_csv_has_wkt_geometry(client, lights):
    response = client.get("/api/v1/collections/streetlights/export?format=csv")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == "WKT,id,lamp"
    assert "POINT (35.2042 31.9038)" in text


def test_crs_and_bbox_are_the_users_choice(client, lights, tmp_path):
    response = client.get(
        "/api/v1/collections/streetlights/export?format=gpkg&crs=EPSG:28191"
        "&bbox=35.20,31.90,35.21,31.91"
    )
    frame = read(response, tmp_path, "gpkg")
    assert frame.crs.to_epsg() == 28191
    assert len(frame) == 1
    assert 160_000 < frame.geometry.iloc[0].x < 175_000


def test_shapefile_zip_has_a_projection_and_encoding(client, lights):
    response = client.get("/api/v1/collections/streetlights/export?format=shp&crs=EPSG:2039")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert {n.rsplit(".", 1)[1] for n in names} == {"shp", "shx", "dbf", "prj", "cpg"}


def test_staff_exports_include_internal_attributes(client, lights, planner, tmp_path):
    client.force_login(planner)
    frame = read(client.get("/api/v1/collections/streetlights/export"), tmp_path, "gpkg")
    assert sorted(frame["asset_no"]) == [1, 2]


def test_boundaries_export_too(client, reference_data, tmp_path):
    frame = read(client.get("/api/v1/collections/municipalities/export"), tmp_path, "gpkg")
    assert set(frame["slug"]) == {"ramallah", "al-bireh"}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("format=kml", 400, "invalid_format"),
        ("crs=EPSG:3035", 400, "unsupported_crs"),
        ("bbox=1,2,3", 400, "invalid_bbox"),
        ("colour=red", 400, "unknown_parameter"),
    ],
)
def test_bad_requests_are_explained(client, lights, query, status, code):
    response = client.get(f"/api/v1/collections/streetlights/export?{query}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_internal_layers_are_not_exported_to_the_public(client, db):
    layer_with_points(slug="sewer-valves", visibility="internal", points=[MANARA])
    assert client.get("/api/v1/collections/sewer-valves/export").status_code == 404
