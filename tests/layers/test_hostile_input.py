"""The hostile-input corpus (tests/hostile.py) against every endpoint of the layers app and of
OGC API - Features: each case is refused with a 4xx and a message, and no table changes.

The requests come from an administrator (every check of the layers app is then reached) and,
for writes, from an anonymous client too (401/403 before anything is read)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.gis.geos import Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.roles import Role
from layers.services import feature_create, layer_create
from layers.services.rasters import raster_create
from tests.factories import UserFactory, layer_with_points, town_create
from tests.hostile import (
    CRS,
    GEOMETRIES,
    HOSTILE_UPLOADS,
    INJECTIONS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    huge_polygon,
    inert_judge,
    raw_bodies,
    text_cases,
)
from tests.layers.test_rasters import grid_polygon, write_dem

COVERED = {
    "layers_api:list",
    "layers_api:detail",
    "layers_api:import",
    "rasters_api:list",
    "rasters_api:detail",
    "rasters_api:zonal-statistics",
    "ogcapi:landing",
    "ogcapi:conformance",
    "ogcapi:openapi",
    "ogcapi:collections",
    "ogcapi:collection",
    "ogcapi:items",
    "ogcapi:item",
    "export",
    "export-job",
    "tile-seed",
    "merge",
    "history:history",
    "history:version",
    "history:as-of",
    "history:restore",
    "history:split",
    "layers:tile",
    "layers:tilejson",
    "layers:raster-tile",
    "layers:raster-tilejson",
    "basemap-tile",
}

# The tests are quick but send many requests; the raster tests need rasterio's warnings off.
pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")

IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"
ITEMS = "/ogcapi/collections/plots/items"
SQUARE = (35.2000, 31.9000, 35.2004, 31.9004)
CUT = {"type": "LineString", "coordinates": [[35.2002, 31.8998], [35.2002, 31.9006]]}
HOSTILE_CRS_MEMBER = {
    "type": "Point",
    "coordinates": [35.2002, 31.9002],
    "crs": {"type": "name", "properties": {"name": CRS["proj_init_file"]}},
}
# Numbers a path converter takes that no database column holds.
HUGE_IDS = ("0", str(2**31), str(2**63), "9" * 40, "9" * 5000)


def geometry_cases() -> dict:
    """Every corpus geometry, the 25,000-vertex polygon and a geometry naming its own CRS."""
    return {**GEOMETRIES, "huge_polygon": huge_polygon(), "crs_member": HOSTILE_CRS_MEMBER}


def path_cases() -> dict[str, str]:
    """Filter cases for a path segment, quoted so that the request reaches the router."""
    return {name: quote(value, safe="") for name, value in filter_cases().items()}


@pytest.fixture
def world(db, tmp_path, settings):
    """A town (the served area), a point layer ``streetlights`` with one lamp, a polygon layer
    ``plots`` with two touching squares and a free-text field, and an elevation raster."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    town_create()
    layer_with_points(points=[(35.2000, 31.9050)])
    plots = layer_create(
        slug="plots",
        title_en="Plots",
        geometry_type="MultiPolygon",
        visibility="internal",
        user=None,
        schema=[{"name": "use", "type": "string"}, {"name": "rooms", "type": "integer"}],
    )
    west, south, east, north = SQUARE
    for offset in (0.0, east - west):
        square = Polygon.from_bbox((west + offset, south, east + offset, north))
        square.srid = 4326
        feature_create(layer=plots, geometry=square, properties={"use": "garden"}, user=None)
    raster_create(
        path=write_dem(tmp_path / "dem.tif"), slug="dem", title_en="Elevation", kind="elevation",
        visibility="public", user=None,
    )  # fmt: skip
    return {"plots": list(plots.features.order_by("pk").values_list("pk", flat=True))}


@pytest.fixture
def admin(world) -> Client:
    """An administrator's session: every check of the layers app is reached. (The ``client``
    fixture stays anonymous; signing out would change the session table.)"""
    signed_in = Client()
    signed_in.force_login(UserFactory(role=Role.ADMINISTRATOR))
    return signed_in


def json_body(client, method: str, url: str, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.generic(method, url, data, content_type="application/json", **headers)


def expect(response, status: int, code: str | None = None) -> None:
    """A control request, sent after the cases: well formed, it gets through (so the cases
    were refused for what is wrong with them, not for a wrong URL or missing rights)."""
    if response.streaming:  # an export: read it, so that its file is closed
        b"".join(response.streaming_content)
        response.close()
    assert response.status_code == status, response.content[:400]
    if code is not None:
        assert response.json()["error"]["code"] == code


_STYLE = {"color": "#ff8800", "classes": [{"value": "LED", "label": {"ar": "ليد", "en": "LED"}}]}
# A polygon on the elevation raster (Palestine grid 166,500..166,700 E, 147,300..147,500 N).
_ON_THE_DEM = json.loads(grid_polygon(166_500, 147_300, 166_700, 147_500).geojson)


def _no_uploads_kept(settings) -> list[Path]:
    return list((Path(settings.MEDIA_ROOT) / "uploads").glob("**/*"))


# --- the layer registry ------------------------------------------------------------------------


def _layer(**change) -> dict:
    return {"slug": "benches", "title_en": "Benches", "geometry_type": "Point", **change}


LAYER_TEXT_FIELDS = (
    "title_en",
    "title_ar",
    "description_en",
    "description_ar",
    "source",
    "attribution",
    "licence",
)
LAYER_TYPED_FIELDS = ("slug", "geometry_type", "visibility", "is_synthetic", "schema", "style")


def _hostile_schemas() -> dict[str, object]:
    cases: dict[str, object] = {"not_a_list": "name", "field_not_object": ["name"]}
    for name, value in filter_cases().items():
        cases[f"field_name={name}"] = [{"name": value, "type": "string"}]
        cases[f"field_type={name}"] = [{"name": "kind", "type": value}]
    for name, text in text_cases().items():
        for key in ("title_en", "title_ar"):
            cases[f"{key}={name}"] = [{"name": "kind", "type": "string", key: text}]
        cases[f"choice={name}"] = [{"name": "kind", "type": "string", "choices": [text]}]
    return cases


def _hostile_styles() -> dict[str, object]:
    cases: dict[str, object] = {"not_an_object": "red", "nested_deeply": {"a": {"b": {"c": {}}}}}
    cases["nested_deeply"] = nested = {}
    for _ in range(50):
        nested["a"] = {}
        nested = nested["a"]
    for name, text in text_cases().items():
        cases[f"color={name}"] = {"color": text}
        cases[f"label={name}"] = {
            "property": "kind",
            "classes": [{"value": "a", "label": {"en": text}}],
        }
    cases["not_finite"] = {"fillOpacity": float("inf")}
    return cases


def test_hostile_layer_definitions_are_refused_and_change_nothing(admin, client):
    url = "/api/v1/layers/"
    with hostile_endpoint("POST /api/v1/layers/") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: json_body(admin, "POST", url, b))
        for name, text in text_cases().items():
            for field in LAYER_TEXT_FIELDS:
                run.send(
                    f"{field}={name}",
                    lambda f=field, t=text: json_body(admin, "POST", url, _layer(**{f: t})),
                )
        for name, value in filter_cases().items():
            for field in LAYER_TYPED_FIELDS:
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: json_body(admin, "POST", url, _layer(**{f: v})),
                )
        for name, schema in _hostile_schemas().items():
            run.send(
                f"schema {name}",
                lambda s=schema: json_body(admin, "POST", url, _layer(schema=s)),
            )
        for name, style in _hostile_styles().items():
            run.send(
                f"style {name}",
                lambda s=style: json_body(
                    admin,
                    "POST",
                    url,
                    # allow_nan: the JSON parser must refuse Infinity itself.
                    json.dumps(_layer(style=s), allow_nan=True).encode(),
                ),
            )
        run.send("slug_taken", lambda: json_body(admin, "POST", url, _layer(slug="plots")))
        run.send("slug_reserved", lambda: json_body(admin, "POST", url, _layer(slug="imports")))
        for media_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
            run.send(
                f"content_type={media_type}",
                lambda m=media_type: admin.post(url, json.dumps(_layer()), content_type=m),
            )
        run.send("anonymous", lambda: json_body(client, "POST", url, _layer()))
    # The control: the same requests, well formed, are accepted.
    expect(json_body(admin, "POST", "/api/v1/layers/", _layer()), 201)


def test_hostile_layer_reads_and_changes_are_refused_and_change_nothing(admin, client):
    url = "/api/v1/layers/streetlights/"
    with hostile_endpoint("PATCH/DELETE /api/v1/layers/<slug>/") as run:
        for name, body in raw_bodies().items():
            if name in ("json_array_not_object", "json_string_not_object", "empty_body"):
                continue  # below: a PATCH of nothing changes nothing, and answers 400 too
            run.send(name, lambda b=body: json_body(admin, "PATCH", url, b))
        for name in ("json_array_not_object", "json_string_not_object"):
            body = raw_bodies()[name]
            run.send(name, lambda b=body: json_body(admin, "PATCH", url, b))
        for name, text in text_cases().items():
            for field in LAYER_TEXT_FIELDS:
                run.send(
                    f"{field}={name}",
                    lambda f=field, t=text: json_body(admin, "PATCH", url, {f: t}),
                )
        for name, value in filter_cases().items():
            for field in ("visibility", "is_synthetic", "schema", "style"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: json_body(admin, "PATCH", url, {f: v}),
                )
        for name, schema in _hostile_schemas().items():
            run.send(
                f"schema {name}", lambda s=schema: json_body(admin, "PATCH", url, {"schema": s})
            )
        for name, style in _hostile_styles().items():
            run.send(
                f"style {name}",
                lambda s=style: json_body(
                    admin, "PATCH", url, json.dumps({"style": s}, allow_nan=True).encode()
                ),
            )
        run.send(
            "content_type=text/plain",
            lambda: admin.patch(url, '{"title_en": "x"}', content_type="text/plain"),
        )
        for name, segment in path_cases().items():
            run.send(f"slug={name}", lambda s=segment: admin.get(f"/api/v1/layers/{s}/"))
            run.send(f"delete slug={name}", lambda s=segment: admin.delete(f"/api/v1/layers/{s}/"))
        run.send("anonymous patch", lambda: json_body(client, "PATCH", url, {"title_en": "x"}))
        run.send("anonymous delete", lambda: client.delete(url))
    with hostile_endpoint("GET /api/v1/layers/") as run:
        for name, value in filter_cases().items():
            for param in ("limit", "offset"):
                run.send(
                    f"{param}={name}",
                    lambda p=param, v=value: client.get("/api/v1/layers/", {p: v}),
                )
        for value in ("-1", "0", str(2**63), "1e3", "١٠"):
            run.send(f"limit={value}", lambda v=value: client.get("/api/v1/layers/", {"limit": v}))
    expect(admin.get("/api/v1/layers/", {"limit": "5"}), 200)
    expect(json_body(admin, "PATCH", url, {"title_en": "Lamps", "style": _STYLE}), 200)


# --- uploads -----------------------------------------------------------------------------------


def _upload(case: str) -> SimpleUploadedFile:
    corpus_file, sent_name = HOSTILE_UPLOADS[case]
    return SimpleUploadedFile(sent_name, file_bytes(corpus_file))


def _csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("health.csv", (IMPORTS / "health_lonlat.csv").read_bytes())


def test_hostile_imports_are_refused_and_change_nothing(admin, client, settings):
    url = "/api/v1/layers/imports/"
    with hostile_endpoint("POST /api/v1/layers/imports/") as run:
        for case in HOSTILE_UPLOADS:
            for target in ({"new_slug": "lamps-new"}, {"layer": "streetlights"}):
                run.send(
                    f"{case} into {next(iter(target.values()))}",
                    lambda c=case, t=target: admin.post(url, {"file": _upload(c), **t}),
                )
        for name, text in text_cases().items():
            for field in ("new_title_en", "new_title_ar"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, t=text: admin.post(
                        url, {"file": _csv(), "new_slug": "health", f: t}
                    ),
                )
        for name, value in filter_cases().items():
            for field in (
                "layer", "new_slug", "new_visibility", "source_layer", "crs", "x_column",
                "y_column", "wkt_column", "mapping", "repair", "on_error", "dry_run",
            ):  # fmt: skip
                target = {} if field in ("layer", "new_slug") else {"new_slug": "health"}
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value, t=target: admin.post(url, {"file": _csv(), **t, f: v}),
                )
        for name, value in {**CRS, "not_allowed_number": "3035", "negative": "-4326"}.items():
            run.send(
                f"crs={name}",
                lambda v=value: admin.post(url, {"file": _csv(), "new_slug": "health", "crs": v}),
            )
        run.send("no_file", lambda: admin.post(url, {"new_slug": "health"}))
        run.send("file_is_text", lambda: admin.post(url, {"file": "lamp", "new_slug": "health"}))
        run.send(
            "slug_taken",
            lambda: admin.post(url, {"file": _csv(), "new_slug": "plots"}),
        )
        run.send(
            "mapping_not_an_object",
            lambda: admin.post(url, {"file": _csv(), "layer": "plots", "mapping": "[1, 2]"}),
        )
        run.send(
            "json_body",
            lambda: json_body(admin, "POST", url, {"file": "x", "new_slug": "health"}),
        )
        for name, sent_as in (("garbage", "city.osm.pbf"), ("garbage", "places.txt")):
            run.send(
                f"{name} as {sent_as}",
                lambda n=sent_as: admin.post(
                    url,
                    {
                        "file": SimpleUploadedFile(n, file_bytes("binary_garbage.csv")),
                        "new_slug": "x",
                    },
                ),
            )
        run.send(
            "unsupported_extension",
            lambda: admin.post(
                url, {"file": SimpleUploadedFile("lamps.exe", b"MZ\x90\x00"), "new_slug": "x"}
            ),
        )
        run.send("anonymous", lambda: client.post(url, {"file": _csv(), "new_slug": "health"}))
    assert not _no_uploads_kept(settings), "a refused upload was kept"
    expect(admin.post(url, {"file": _csv(), "new_slug": "health", "crs": "EPSG:4326"}), 202)


def _tiff(tmp_path) -> SimpleUploadedFile:
    return SimpleUploadedFile("dem.tif", write_dem(tmp_path / "upload.tif").read_bytes())


def _raster(**change) -> dict:
    return {"slug": "dem2", "title_en": "Elevation 2", "kind": "elevation", **change}


def test_hostile_raster_uploads_are_refused_and_change_nothing(admin, client, settings, tmp_path):
    url = "/api/v1/rasters/"
    with hostile_endpoint("POST /api/v1/rasters/") as run:
        for case in HOSTILE_UPLOADS:
            run.send(case, lambda c=case: admin.post(url, {"file": _upload(c), **_raster()}))
        run.send(
            "hostile_prj_named_tif",
            lambda: admin.post(
                url,
                {
                    "file": SimpleUploadedFile("dem.tif", file_bytes("shapefile_hostile_prj.zip")),
                    **_raster(),
                },
            ),
        )
        for name, text in text_cases().items():
            for field in ("title_en", "title_ar", "source", "attribution"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, t=text: admin.post(
                        url, {"file": _tiff(tmp_path), **_raster(**{f: t})}
                    ),
                )
        for name, value in filter_cases().items():
            for field in ("slug", "kind", "visibility", "is_synthetic"):
                run.send(
                    f"{field}={name}",
                    lambda f=field, v=value: admin.post(
                        url, {"file": _tiff(tmp_path), **_raster(**{f: v})}
                    ),
                )
        run.send(
            "slug_taken", lambda: admin.post(url, {"file": _tiff(tmp_path), **_raster(slug="dem")})
        )
        run.send("no_file", lambda: admin.post(url, _raster()))
        run.send("json_body", lambda: json_body(admin, "POST", url, _raster(file="x")))
        run.send("anonymous", lambda: client.post(url, {"file": _tiff(tmp_path), **_raster()}))
    assert not _no_uploads_kept(settings), "a refused upload was kept"
    with hostile_endpoint("GET /api/v1/rasters/ and /api/v1/rasters/<slug>/") as run:
        for name, value in filter_cases().items():
            for param in ("limit", "offset"):
                run.send(
                    f"{param}={name}",
                    lambda p=param, v=value: client.get(url, {p: v}),
                )
        for name, segment in path_cases().items():
            run.send(f"slug={name}", lambda s=segment: client.get(f"{url}{s}/"))
    expect(admin.post(url, {"file": _tiff(tmp_path), **_raster()}), 202)


def test_hostile_zonal_statistics_requests_are_refused_and_change_nothing(admin, client, world):
    url = "/api/v1/rasters/dem/zonal-statistics/"
    with hostile_endpoint("POST /api/v1/rasters/<slug>/zonal-statistics/") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: json_body(admin, "POST", url, b))
        for name, geometry in geometry_cases().items():
            run.send(
                f"geometry={name}",
                lambda g=geometry: json_body(admin, "POST", url, {"geometry": g}),
            )
        for name, value in filter_cases().items():
            run.send(
                f"collection={name}",
                lambda v=value: json_body(admin, "POST", url, {"collection": v, "feature": "1"}),
            )
            run.send(
                f"feature={name}",
                lambda v=value: json_body(
                    admin, "POST", url, {"collection": "plots", "feature": v}
                ),
            )
        for value in HUGE_IDS:
            run.send(
                f"feature={value}",
                lambda v=value: json_body(
                    admin, "POST", url, {"collection": "plots", "feature": v}
                ),
            )
        run.send(
            "geometry_and_feature",
            lambda: json_body(
                admin,
                "POST",
                url,
                {"geometry": CUT, "collection": "plots", "feature": str(world["plots"][0])},
            ),
        )
        run.send(
            "point_feature",
            lambda: json_body(admin, "POST", url, {"collection": "streetlights", "feature": "1"}),
        )
        for name, segment in path_cases().items():
            run.send(
                f"slug={name}",
                lambda s=segment: json_body(
                    admin, "POST", f"/api/v1/rasters/{s}/zonal-statistics/", {"geometry": CUT}
                ),
            )
        run.send(
            "content_type=text/plain",
            lambda: admin.post(url, json.dumps({"geometry": CUT}), content_type="text/plain"),
        )

    expect(json_body(admin, "POST", url, {"geometry": _ON_THE_DEM}), 200)
    expect(
        json_body(admin, "POST", url, {"collection": "plots", "feature": str(world["plots"][0])}),
        400,  # the plots lie off the raster: a refusal that needed the feature to be found
        "outside_raster",
    )


# --- OGC API - Features: reading ---------------------------------------------------------------


def test_hostile_ogc_document_parameters_are_refused(client, world):
    pages = {
        "landing": "/ogcapi/",
        "conformance": "/ogcapi/conformance",
        "openapi": "/ogcapi/openapi",
        "collections": "/ogcapi/collections",
        "collection": "/ogcapi/collections/streetlights",
    }
    for url in pages.values():
        with hostile_endpoint(f"GET {url}") as run:
            for name, value in filter_cases().items():
                run.send(f"f={name}", lambda u=url, v=value: client.get(u, {"f": v}))
            run.send("post", lambda u=url: client.post(u, {}))
    with hostile_endpoint("GET /ogcapi/collections/<id>") as run:
        for name, segment in path_cases().items():
            run.send(f"id={name}", lambda s=segment: client.get(f"/ogcapi/collections/{s}"))
    for url in pages.values():
        expect(client.get(url, {"f": "json"}), 200)


ITEM_PARAMETERS = ("bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "f", "rooms")
# Parameters the standard does not know and the layer has no property of that name: 400.
UNKNOWN_PARAMETERS = ("filter", "filter-lang", "sortby", "properties", "q", "ids", "skipGeometry")


def test_hostile_items_parameters_are_refused_and_change_nothing(admin, client):
    with hostile_endpoint("GET /ogcapi/collections/<id>/items") as run:
        for name, value in filter_cases().items():
            for param in ITEM_PARAMETERS + UNKNOWN_PARAMETERS:
                params = {param: value}
                if param == "bbox-crs":
                    params["bbox"] = "35.1,31.8,35.3,32.0"
                run.send(f"{param}={name}", lambda p=params: admin.get(ITEMS, p))
            # A text property: a search for the text, which finds nothing (data, not an attack).
            run.send(
                f"use={name}",
                lambda v=value: admin.get(ITEMS, {"use": v}),
                judge=inert_judge(value),
            )
        for name, value in CRS.items():
            run.send(f"crs={name}", lambda v=value: admin.get(ITEMS, {"crs": v}))
            run.send(
                f"bbox-crs={name}",
                lambda v=value: admin.get(ITEMS, {"bbox": "35.1,31.8,35.3,32.0", "bbox-crs": v}),
            )
        for name, value in {
            "nan": "nan,nan,nan,nan",
            "inf": "-inf,-inf,inf,inf",
            "five_numbers": "1,2,3,4,5",
            "huge_numbers": "1e308,1e308,1e309,1e309",
            "grid_nan": "nan,0,1,1",
        }.items():
            run.send(f"bbox={name}", lambda v=value: admin.get(ITEMS, {"bbox": v}))
            run.send(
                f"bbox={name} in EPSG:28191",
                lambda v=value: admin.get(ITEMS, {"bbox": v, "bbox-crs": "EPSG:28191"}),
            )
        run.send("bbox=out_of_range", lambda: admin.get(ITEMS, {"bbox": "-200,-100,200,100"}))
        for value in ("0001-01-01/9999-12-31T25:00:00Z", "2026-02-30", "../..", "2026/2025"):
            run.send(f"datetime={value}", lambda v=value: admin.get(ITEMS, {"datetime": v}))
        for value in ("-1", "0", str(2**63), "1e3", "10001", "١٠"):
            run.send(f"limit={value}", lambda v=value: admin.get(ITEMS, {"limit": v}))
        for value in ("-1", str(2**63), "1e3", "1.5"):
            run.send(f"offset={value}", lambda v=value: admin.get(ITEMS, {"offset": v}))
        for name, segment in path_cases().items():
            run.send(
                f"collection={name}",
                lambda s=segment: client.get(f"/ogcapi/collections/{s}/items"),
            )
    expect(
        admin.get(ITEMS, {"bbox": "165000,143000,172000,150000", "bbox-crs": "EPSG:28191",
                          "use": "garden", "rooms": "2", "limit": "5", "crs": "EPSG:2039"}),
        200,
    )  # fmt: skip


def test_hostile_item_parameters_are_refused_and_change_nothing(admin, world):
    url = f"{ITEMS}/{world['plots'][0]}"
    with hostile_endpoint("GET /ogcapi/collections/<id>/items/<feature>") as run:
        for name, value in CRS.items():
            run.send(f"crs={name}", lambda v=value: admin.get(url, {"crs": v}))
        for name, value in filter_cases().items():
            run.send(f"f={name}", lambda v=value: admin.get(url, {"f": v}))
            run.send(f"{name}=1", lambda v=value: admin.get(url, {v: "1"}))
        for name, segment in {**path_cases(), **{i: i for i in HUGE_IDS}}.items():
            run.send(f"feature={name}", lambda s=segment: admin.get(f"{ITEMS}/{s}"))
    expect(admin.get(url, {"crs": "EPSG:28191", "f": "json"}), 200)


# --- OGC API - Features: editing ---------------------------------------------------------------


def _feature(geometry=None, **properties) -> dict:
    square = Polygon.from_bbox((35.2010, 31.9010, 35.2012, 31.9012))
    return {
        "type": "Feature",
        "geometry": geometry if geometry is not None else json.loads(square.geojson),
        "properties": properties,
    }


def _hostile_features() -> dict[str, object]:
    """Feature bodies: every geometry, text in the free-text property, wrong types."""
    cases: dict[str, object] = {}
    for name, geometry in geometry_cases().items():
        cases[f"geometry={name}"] = (
            {"type": "Feature", "geometry": None, "properties": {}}
            if geometry is None
            else _feature(geometry)
        )
    for name, text in text_cases().items():
        cases[f"use={name}"] = _feature(use=text)
    for name, value in INJECTIONS.items():
        cases[f"rooms={name}"] = _feature(rooms=value)
        cases[f"property_name={name}"] = _feature(**{value: "x"})
        cases[f"type={name}"] = {**_feature(), "type": value}
    cases["rooms_huge"] = _feature(rooms=2**64)
    cases["properties_not_object"] = {**_feature(), "properties": ["use", "garden"]}
    cases["feature_collection"] = {"type": "FeatureCollection", "features": [_feature()]}
    cases["bare_geometry"] = _feature()["geometry"]
    return cases


def test_hostile_feature_bodies_are_refused_and_change_nothing(admin, client, world):
    url = f"{ITEMS}/{world['plots'][0]}"
    with hostile_endpoint("POST /ogcapi/collections/<id>/items") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: json_body(admin, "POST", ITEMS, b))
        for name, body in _hostile_features().items():
            run.send(name, lambda b=body: json_body(admin, "POST", ITEMS, b))
        for media_type in ("text/plain", "application/xml", "multipart/form-data; boundary=x"):
            run.send(
                f"content_type={media_type}",
                lambda m=media_type: admin.post(ITEMS, json.dumps(_feature()), content_type=m),
            )
        run.send(
            "read_only_collection",
            lambda: json_body(
                admin, "POST", "/ogcapi/collections/municipalities/items", _feature()
            ),
        )
        run.send("anonymous", lambda: json_body(client, "POST", ITEMS, _feature(use="x")))
    for method in ("PUT", "PATCH"):
        with hostile_endpoint(f"{method} /ogcapi/collections/<id>/items/<feature>") as run:
            for name, body in raw_bodies().items():
                run.send(
                    name, lambda b=body, m=method: json_body(admin, m, url, b, HTTP_IF_MATCH='"1"')
                )
            for name, body in _hostile_features().items():
                if method == "PATCH" and name == "geometry=null_geometry":
                    continue  # a PATCH without a geometry keeps it: a valid change, not a case
                run.send(
                    name,
                    lambda b=body, m=method: json_body(admin, m, url, b, HTTP_IF_MATCH='"1"'),
                )
            for name, value in filter_cases().items():
                run.send(
                    f"If-Match={name}",
                    lambda v=value, m=method: json_body(admin, m, url, _feature(), HTTP_IF_MATCH=v),
                )
            for value in ('"2"', '"0"', f'"{2**63}"', '"-1"', f'"{"9" * 5000}"'):
                run.send(
                    f"If-Match={value}",
                    lambda v=value, m=method: json_body(admin, m, url, _feature(), HTTP_IF_MATCH=v),
                )
            run.send("no If-Match", lambda m=method: json_body(admin, m, url, _feature()))
            for name, segment in {**path_cases(), **{i: i for i in HUGE_IDS}}.items():
                run.send(
                    f"feature={name}",
                    lambda s=segment, m=method: json_body(
                        admin, m, f"{ITEMS}/{s}", _feature(), HTTP_IF_MATCH='"1"'
                    ),
                )
            run.send(
                "anonymous",
                lambda m=method: json_body(client, m, url, _feature(), HTTP_IF_MATCH='"1"'),
            )
    with hostile_endpoint("DELETE /ogcapi/collections/<id>/items/<feature>") as run:
        for name, value in filter_cases().items():
            run.send(f"If-Match={name}", lambda v=value: admin.delete(url, HTTP_IF_MATCH=v))
        for value in ('"2"', f'"{2**63}"', f'"{"9" * 40}"'):
            run.send(f"If-Match={value}", lambda v=value: admin.delete(url, HTTP_IF_MATCH=v))
        run.send("no If-Match", lambda: admin.delete(url))
        for name, segment in {**path_cases(), **{i: i for i in HUGE_IDS}}.items():
            run.send(
                f"feature={name}",
                lambda s=segment: admin.delete(f"{ITEMS}/{s}", HTTP_IF_MATCH='"1"'),
            )
        run.send("anonymous", lambda: client.delete(url, HTTP_IF_MATCH='"1"'))
    expect(json_body(admin, "POST", ITEMS, _feature(use="shop", rooms=2)), 201)
    expect(json_body(admin, "PATCH", url, _feature(use="yard"), HTTP_IF_MATCH='"1"'), 200)


def test_hostile_splits_and_merges_are_refused_and_change_nothing(admin, client, world):
    first, second = world["plots"]
    split = f"/api/v1/collections/plots/items/{first}/split"
    with hostile_endpoint("POST /api/v1/collections/<id>/items/<feature>/split") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: json_body(admin, "POST", split, b, HTTP_IF_MATCH='"1"'))
        for name, geometry in geometry_cases().items():
            run.send(
                f"cut_line={name}",
                lambda g=geometry: json_body(
                    admin, "POST", split, {"cut_line": g}, HTTP_IF_MATCH='"1"'
                ),
            )
        for name, value in filter_cases().items():
            run.send(
                f"If-Match={name}",
                lambda v=value: json_body(admin, "POST", split, {"cut_line": CUT}, HTTP_IF_MATCH=v),
            )
            run.send(
                f"cut_line={name}",
                lambda v=value: json_body(
                    admin, "POST", split, {"cut_line": v}, HTTP_IF_MATCH='"1"'
                ),
            )
        for name, segment in {**path_cases(), **{i: i for i in HUGE_IDS}}.items():
            run.send(
                f"feature={name}",
                lambda s=segment: json_body(
                    admin,
                    "POST",
                    f"/api/v1/collections/plots/items/{s}/split",
                    {"cut_line": CUT},
                    HTTP_IF_MATCH='"1"',
                ),
            )
        run.send(
            "anonymous",
            lambda: json_body(client, "POST", split, {"cut_line": CUT}, HTTP_IF_MATCH='"1"'),
        )
    merge = "/api/v1/collections/plots/merge"
    with hostile_endpoint("POST /api/v1/collections/<id>/merge") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: json_body(admin, "POST", merge, b))
        for name, value in {**filter_cases(), **{i: i for i in HUGE_IDS}}.items():
            run.send(
                f"features={name}",
                lambda v=value: json_body(
                    admin, "POST", merge, {"features": [first, v], "versions": [1, 1]}
                ),
            )
            run.send(
                f"versions={name}",
                lambda v=value: json_body(
                    admin, "POST", merge, {"features": [first, second], "versions": [1, v]}
                ),
            )
        for name, geometry in geometry_cases().items():
            run.send(
                f"features=[{name}]",
                lambda g=geometry: json_body(
                    admin, "POST", merge, {"features": [first, g], "versions": [1, 1]}
                ),
            )
        for name, body in {
            "one_feature": {"features": [first], "versions": [1]},
            "same_feature_twice": {"features": [first, first], "versions": [1, 1]},
            "versions_short": {"features": [first, second], "versions": [1]},
            "too_many": {"features": list(range(1, 10_002)), "versions": [1] * 10_001},
            "stale": {"features": [first, second], "versions": [1, 7]},
            "features_not_list": {"features": "1,2", "versions": [1, 1]},
            "versions_huge": {"features": [first, second], "versions": [1, 2**64]},
            "versions_bool": {"features": [first, second], "versions": [True, True]},
        }.items():
            run.send(name, lambda b=body: json_body(admin, "POST", merge, b))
        for name, segment in path_cases().items():
            run.send(
                f"collection={name}",
                lambda s=segment: json_body(
                    admin,
                    "POST",
                    f"/api/v1/collections/{s}/merge",
                    {"features": [first, second], "versions": [1, 1]},
                ),
            )
        run.send(
            "anonymous",
            lambda: json_body(
                client, "POST", merge, {"features": [first, second], "versions": [1, 1]}
            ),
        )

    expect(json_body(admin, "POST", merge, {"features": [first, second], "versions": [1, 1]}), 200)


# --- history -----------------------------------------------------------------------------------


def test_hostile_history_requests_are_refused_and_change_nothing(admin, client, world):
    base = f"/api/v1/collections/plots/items/{world['plots'][0]}"
    with hostile_endpoint("GET .../items/<feature>/history") as run:
        for name, segment in {**path_cases(), **{i: i for i in HUGE_IDS}}.items():
            run.send(
                f"feature={name}",
                lambda s=segment: admin.get(f"/api/v1/collections/plots/items/{s}/history"),
            )
            run.send(
                f"collection={name}",
                lambda s=segment: admin.get(f"/api/v1/collections/{s}/items/1/history"),
            )
        run.send("anonymous", lambda: client.get(f"{base}/history"))
    with hostile_endpoint("GET .../items/<feature>/versions/<n>") as run:
        for name, value in filter_cases().items():
            run.send(
                f"compare={name}", lambda v=value: admin.get(f"{base}/versions/1", {"compare": v})
            )
        for value in HUGE_IDS[1:]:
            run.send(f"version={value}", lambda v=value: admin.get(f"{base}/versions/{v}"))
            run.send(
                f"compare={value}", lambda v=value: admin.get(f"{base}/versions/1", {"compare": v})
            )
        run.send("compare=-1", lambda: admin.get(f"{base}/versions/1", {"compare": "-1"}))
        run.send("version=2 (none)", lambda: admin.get(f"{base}/versions/2"))
    with hostile_endpoint("GET .../items/<feature>/as-of") as run:
        for name, value in filter_cases().items():
            run.send(f"at={name}", lambda v=value: admin.get(f"{base}/as-of", {"at": v}))
        for value in (
            "2026-02-30T00:00:00Z", "2026-13-01T00:00:00", "9999-12-31T23:59:59+99:00",
            "0000-01-01T00:00:00", "2026-01-01T25:00:00Z", "",
        ):  # fmt: skip
            run.send(f"at={value}", lambda v=value: admin.get(f"{base}/as-of", {"at": v}))
    with hostile_endpoint("POST .../items/<feature>/restore") as run:
        for name, body in raw_bodies().items():
            run.send(
                name,
                lambda b=body: json_body(admin, "POST", f"{base}/restore", b, HTTP_IF_MATCH='"1"'),
            )
        for name, value in {**filter_cases(), **{i: i for i in HUGE_IDS}, "bool": True}.items():
            run.send(
                f"version={name}",
                lambda v=value: json_body(
                    admin, "POST", f"{base}/restore", {"version": v}, HTTP_IF_MATCH='"1"'
                ),
            )
        for name, value in filter_cases().items():
            run.send(
                f"If-Match={name}",
                lambda v=value: json_body(
                    admin, "POST", f"{base}/restore", {"version": 1}, HTTP_IF_MATCH=v
                ),
            )
        run.send(
            "version_never_was",
            lambda: json_body(
                admin, "POST", f"{base}/restore", {"version": 5}, HTTP_IF_MATCH='"1"'
            ),
        )
        run.send(
            "no If-Match",
            lambda: json_body(admin, "POST", f"{base}/restore", {"version": 1}),
        )
        run.send(
            "anonymous",
            lambda: json_body(
                client, "POST", f"{base}/restore", {"version": 1}, HTTP_IF_MATCH='"1"'
            ),
        )

    expect(admin.get(f"{base}/versions/1", {"compare": "1"}), 200)
    expect(admin.get(f"{base}/as-of", {"at": "2999-01-01T00:00:00Z"}), 200)
    expect(admin.get(f"{base}/history"), 200)


# --- exports and tiles -------------------------------------------------------------------------


def test_hostile_export_parameters_are_refused(admin, client):
    url = "/api/v1/collections/plots/export"
    with hostile_endpoint("GET /api/v1/collections/<id>/export") as run:
        for name, value in filter_cases().items():
            for param in ("format", "crs", "bbox", "bbox-crs", "q"):
                params = {param: value}
                if param == "bbox-crs":
                    params["bbox"] = "35.1,31.8,35.3,32.0"
                run.send(f"{param}={name}", lambda p=params: admin.get(url, p))
        for name, value in CRS.items():
            run.send(f"crs={name}", lambda v=value: admin.get(url, {"crs": v}))
            run.send(
                f"bbox-crs={name}",
                lambda v=value: admin.get(url, {"bbox": "35.1,31.8,35.3,32.0", "bbox-crs": v}),
            )
        for value in ("nan,nan,nan,nan", "-inf,-inf,inf,inf", "1e308,1e308,1e309,1e309"):
            run.send(f"bbox={value}", lambda v=value: admin.get(url, {"bbox": v}))
        for name, segment in path_cases().items():
            run.send(
                f"collection={name}",
                lambda s=segment: admin.get(f"/api/v1/collections/{s}/export"),
            )
        run.send("anonymous internal layer", lambda: client.get(url))
    expect(
        admin.get(url, {"format": "geojson", "crs": "EPSG:28191", "bbox": "35.1,31.8,35.3,32"}), 200
    )


def _bodies_that_are_not_an_object() -> dict[str, bytes]:
    # An empty body is a request for the defaults (a GeoPackage in CRS84, the whole extent):
    # answered 202 by design, so it is no case here.
    return {name: body for name, body in raw_bodies().items() if name != "empty_body"}


def test_hostile_export_jobs_are_refused_and_start_nothing(admin, client):
    url = "/api/v1/collections/plots/exports"
    with hostile_endpoint("POST /api/v1/collections/<id>/exports") as run:
        for name, value in filter_cases().items():
            for param in ("format", "crs", "bbox", "bbox-crs", "q"):
                body = {param: value}
                if param == "bbox-crs":
                    body["bbox"] = "35.1,31.8,35.3,32.0"
                run.send(f"{param}={name}", lambda b=body: json_body(admin, "POST", url, b))
        for name, value in CRS.items():
            run.send(f"crs={name}", lambda v=value: json_body(admin, "POST", url, {"crs": v}))
        for value in (1, True, None, [35.1, 31.8, 35.3, 32.0], {"$ne": 1}):
            for param in ("format", "crs", "bbox"):
                run.send(
                    f"{param}={value!r}",
                    lambda p=param, v=value: json_body(admin, "POST", url, {p: v}),
                )
        for name, body in _bodies_that_are_not_an_object().items():
            run.send(f"body {name}", lambda b=body: json_body(admin, "POST", url, b))
        for name, segment in path_cases().items():
            run.send(
                f"collection={name}",
                lambda s=segment: json_body(admin, "POST", f"/api/v1/collections/{s}/exports", {}),
            )
        run.send("anonymous", lambda: json_body(client, "POST", url, {}))
    expect(json_body(admin, "POST", url, {"format": "csv", "crs": "EPSG:28191"}), 202)


def test_hostile_tile_seeding_requests_are_refused_and_start_nothing(admin):
    url = "/api/v1/collections/streetlights/tile-seeding"
    good = {"min_zoom": 12, "max_zoom": 13}
    with hostile_endpoint("POST /api/v1/collections/<id>/tile-seeding") as run:
        for name, value in filter_cases().items():
            for param in ("min_zoom", "max_zoom", "bbox"):
                body = {**good, param: value}
                run.send(f"{param}={name}", lambda b=body: json_body(admin, "POST", url, b))
        zooms = [(-1, 3), (3, 23), (5, 4), (True, 3), (2**70, 3), ("1e3", 4), (None, 3)]
        for low, high in zooms:
            body = {"min_zoom": low, "max_zoom": high}
            run.send(f"zooms {low!r}..{high!r}", lambda b=body: json_body(admin, "POST", url, b))
        bboxes = [
            [35.3, 31.8, 35.1, 32.0],  # west east of east
            [35.1, 95.0, 35.3, 96.0],
            [35.1, 31.8, 35.3],
            [35.1, 31.8, 35.3, 32.0, 1.0],
            [True, 31.8, 35.3, 32.0],
            [-180, -85, 180, 85],  # the whole world at z12-z13: far too many tiles
            "35.1,31.8,35.3,32.0",
        ]
        for bbox in bboxes:
            body = {**good, "bbox": bbox}
            run.send(f"bbox {bbox!r}", lambda b=body: json_body(admin, "POST", url, b))
        run.send(
            "not a public layer",
            lambda: json_body(admin, "POST", "/api/v1/collections/plots/tile-seeding", good),
        )
        for name, body in raw_bodies().items():
            run.send(f"body {name}", lambda b=body: json_body(admin, "POST", url, b))
    expect(json_body(admin, "POST", url, good), 202)


OUT_OF_RANGE_TILES = [(-1, 0, 0), (23, 0, 0), (2, 4, 0), (2, 0, 4), (0, 1, 1), (99, 2**40, 2**40)]


def _tile_urls(z: int, x: int, y: int) -> dict[str, str]:
    return {
        "vector": f"/tiles/plots/{z}/{x}/{y}.mvt",
        "raster": f"/tiles/rasters/dem/{z}/{x}/{y}.png",
        "basemap": f"/basemap/{z}/{x}/{y}.mvt",
    }


def test_hostile_tile_requests_are_refused_and_change_nothing(admin, client):
    for kind in ("vector", "raster", "basemap"):
        with hostile_endpoint(f"GET {kind} tiles") as run:
            for z, x, y in [*OUT_OF_RANGE_TILES, (2**70, 0, 0)]:
                url = _tile_urls(z, x, y)[kind]
                run.send(f"{z}/{x}/{y}", lambda u=url: admin.get(u))
            if kind != "basemap":  # public_map's view answers 405 without a body (its app)
                url = _tile_urls(1, 0, 0)[kind]
                run.send("post", lambda u=url: admin.post(u, {}))
    with hostile_endpoint("GET tiles of unknown collections and TileJSON") as run:
        for name, segment in path_cases().items():
            run.send(f"tile {name}", lambda s=segment: client.get(f"/tiles/{s}/1/0/0.mvt"))
            run.send(f"tilejson {name}", lambda s=segment: client.get(f"/tiles/{s}.json"))
            run.send(
                f"raster tile {name}", lambda s=segment: client.get(f"/tiles/rasters/{s}/1/0/0.png")
            )
            run.send(
                f"raster tilejson {name}", lambda s=segment: client.get(f"/tiles/rasters/{s}.json")
            )
        run.send("internal layer, anonymous", lambda: client.get("/tiles/plots/14/9793/6658.mvt"))
        run.send("internal layer tilejson, anonymous", lambda: client.get("/tiles/plots.json"))
        run.send("post tilejson", lambda: client.post("/tiles/streetlights.json", {}))
        run.send("post raster tilejson", lambda: client.post("/tiles/rasters/dem.json", {}))
    expect(admin.get("/tiles/plots/14/9793/6658.mvt"), 200)
    expect(client.get("/tiles/rasters/dem/14/9793/6658.png"), 200)
    expect(client.get("/basemap/14/9793/6658.mvt"), 200)
