"""Importing into layers: reprojection, checks, reports, and all or nothing."""

from pathlib import Path

import pytest
import shapely
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.errors import InvalidInput
from layers.importers import ReadOptions
from layers.models import Feature, Layer
from layers.services import NewLayer, layer_import, osm_import
from layers.services.exports import collection_export
from tests.factories import layer_with_points

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"
OSM = Path(__file__).resolve().parents[2] / "data" / "osm" / "helsinki.osm.pbf"
RAMALLAH_CENTROID = Point(35.178499, 31.915418, srid=4326)


def new(slug: str, **extra) -> NewLayer:
    return NewLayer(slug=slug, title_en=slug.title(), **extra)


def test_shapefile_in_the_palestine_grid_becomes_a_wgs84_layer(db, planner):
    report = layer_import(
        path=FILES / "localities_28191.zip", user=planner, new_layer=new("villages")
    )
    layer = Layer.objects.get(slug="villages")
    assert (report.read, report.imported, report.source_crs) == (4, 4, "EPSG:28191")
    assert layer.geometry_type == "Polygon"
    assert [(f["name"], f["type"]) for f in layer.schema] == [
        ("name", "string"),
        ("area_m2", "number"),
    ]
    ramallah = layer.features.get(properties__name="RAMALLAH")
    assert ramallah.geom.srid == 4326
    # Back in WGS 84 where OCHA puts it (centroid of the source polygon, within a metre).
    assert ramallah.geom.centroid.distance(RAMALLAH_CENTROID) < 1e-5
    assert ramallah.created_by == ramallah.updated_by == planner
    assert abs((timezone.now() - ramallah.created_at).total_seconds()) < 60
    assert ramallah.version == 1


def test_one_invalid_geometry_refuses_everything_by_default(db):
    with pytest.raises(InvalidInput) as raised:
        layer_import(path=FILES / "parcels_2154_one_bowtie.gpkg", user=None, new_layer=new("paris"))
    assert raised.value.code == "import_refused"
    assert raised.value.message.startswith("1 of 30 features cannot be imported")
    problem = raised.value.details["problems"][0]
    assert (problem["feature"], problem["code"]) == (0, "invalid_geometry")
    assert "Self-intersection" in problem["message"]
    assert not Layer.objects.filter(slug="paris").exists()  # no half layer


def test_repair_on_request_imports_everything(db):
    report = layer_import(
        path=FILES / "parcels_2154_one_bowtie.gpkg", user=None, new_layer=new("paris"), repair=True
    )
    assert (report.imported, report.repaired) == (30, 1)
    assert all(f.geom.valid for f in Feature.objects.filter(layer__slug="paris"))


def test_skip_imports_the_others_and_reports_why(db):
    report = layer_import(
        path=FILES / "parcels_2154_one_bowtie.gpkg",
        user=None,
        new_layer=new("paris"),
        on_error="skip",
    )
    assert (report.imported, report.skipped) == (29, 1)
    assert report.problems[0]["code"] == "invalid_geometry"
    assert Layer.objects.get(slug="paris").features.count() == 29
    assert Layer.objects.get(slug="paris").feature_count == 29


def test_dry_run_checks_everything_and_writes_nothing(db):
    report = layer_import(
        path=FILES / "localities_28191.zip", user=None, new_layer=new("villages"), dry_run=True
    )
    assert (report.dry_run, report.imported) == (True, 4)
    assert not Layer.objects.filter(slug="villages").exists()
    assert not Feature.objects.exists()


def test_csv_in_the_israeli_grid_from_windows_1256(db):
    layer_import(
        path=FILES / "health_2039_cp1256.csv",
        user=None,
        new_layer=new("clinics"),
        options=ReadOptions(crs=2039),
    )
    clinic = Feature.objects.get(layer__slug="clinics", properties__name="اتش كلينيك")
    assert clinic.geom.distance(Point(35.207148, 31.924644, srid=4326)) < 1e-5


@pytest.mark.parametrize(
    ("name", "options", "code"),
    [
        ("localities_no_prj.zip", {}, "missing_crs"),
        ("localities_3035.zip", {}, "unsupported_crs"),
        ("mixed_point_polygon.geojson", {}, "mixed_geometry_types"),
        ("health_lonlat.csv", {"crs": 9999}, "unsupported_crs"),
        ("health_2039_cp1256.csv", {}, "import_refused"),  # grid numbers read as degrees
    ],
)
def test_files_that_cannot_be_placed_write_nothing(db, name, options, code):
    with pytest.raises(InvalidInput) as raised:
        layer_import(
            path=FILES / name, user=None, new_layer=new("x"), options=ReadOptions(**options)
        )
    assert raised.value.code == code
    assert not Layer.objects.exists()


def test_values_outside_the_schema_refuse_the_import_or_are_skipped(db):
    lights = layer_with_points()
    with pytest.raises(InvalidInput) as raised:
        layer_import(path=FILES / "lamps_one_bad_value.geojson", user=None, layer=lights)
    problem = raised.value.details["problems"][0]
    assert (problem["feature"], problem["code"]) == (2, "schema_violation")
    assert "'neon' is not one of the allowed values" in problem["message"]
    assert lights.features.count() == 0
    report = layer_import(
        path=FILES / "lamps_one_bad_value.geojson", user=None, layer=lights, on_error="skip"
    )
    assert (report.imported, report.skipped) == (3, 1)


def test_mapping_renames_columns_and_unknown_names_are_refused(db):
    lights = layer_with_points()
    with pytest.raises(InvalidInput) as raised:
        layer_import(
            path=FILES / "health_lonlat.csv", user=None, layer=lights, mapping={"name": "colour"}
        )
    assert raised.value.code == "invalid_mapping"
    assert raised.value.details == {"columns": [], "fields": ["colour"]}


def test_openstreetmap_becomes_three_layers_with_attribution(db):
    reports = osm_import(path=OSM, prefix="helsinki", user=None, visibility="public")
    assert [r.layer for r in reports] == ["helsinki-streets", "helsinki-buildings", "helsinki-pois"]
    streets = Layer.objects.get(slug="helsinki-streets")
    assert streets.geometry_type == "MultiLineString"
    assert streets.attribution == "© OpenStreetMap contributors"
    assert streets.features.count() == 2577
    assert Layer.objects.get(slug="helsinki-pois").features.count() == 1882


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "csv"])
def test_an_export_in_a_local_grid_imports_back_unchanged(db, fmt, tmp_path):
    from django.contrib.auth.models import AnonymousUser

    from core.collections import registry

    layer_import(
        path=FILES / "localities_28191.zip",
        user=None,
        new_layer=new("villages", visibility="public"),
    )
    exported = collection_export(
        collection=registry.get("villages", user=AnonymousUser()),
        user=AnonymousUser(),
        format=fmt,
        crs=28191,
    )
    try:
        options = ReadOptions(crs=28191) if fmt == "csv" else ReadOptions()
        report = layer_import(
            path=exported.path, user=None, new_layer=new("round-trip"), options=options
        )
    finally:
        exported.cleanup()
    assert report.imported == 4
    before = Feature.objects.get(layer__slug="villages", properties__name="RAMALLAH").geom
    after = Feature.objects.get(layer__slug="round-trip", properties__name="RAMALLAH").geom
    # PROJ's Palestine 1923 <-> WGS 84 Helmert round-trips within about a centimetre.
    moved = shapely.hausdorff_distance(shapely.from_wkt(before.wkt), shapely.from_wkt(after.wkt))
    assert moved < 3e-7  # degrees, about 3 cm


def test_demo_layers_are_imported_once_from_real_files(db, settings):
    from layers.services import demo_layers_ensure

    data = Path(settings.BASE_DIR) / "data"
    first = demo_layers_ensure(data_dir=data)
    assert [r.layer for r in first] == [
        "health-facilities",
        "helsinki-streets",
        "helsinki-buildings",
        "helsinki-pois",
    ]
    clinics = Layer.objects.get(slug="health-facilities")
    assert clinics.features.count() == 95
    assert {"name", "name_en", "name_ar", "amenity"} <= {f["name"] for f in clinics.schema}
    assert demo_layers_ensure(data_dir=data) == []
