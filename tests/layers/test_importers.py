"""Reading files: every format the platform accepts, and every way an upload can be broken."""

from pathlib import Path

import pytest
import shapely

from core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from layers.importers import ReadOptions, importer_for

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"
OSM = Path(__file__).resolve().parents[2] / "data" / "osm" / "helsinki.osm.pbf"


def read(name: str, **options):
    path = FILES / name if not Path(name).is_absolute() else Path(name)
    return importer_for(path).read(path, options=ReadOptions(**options))


def test_zipped_shapefile_in_the_palestine_grid():
    [layer] = read("localities_28191.zip")
    assert layer.crs == 28191
    assert len(layer) == 4
    assert [f.name for f in layer.fields] == ["name", "area_m2"]
    assert {f.type for f in layer.fields} == {"string", "number"}
    assert "RAMALLAH" in layer.columns["name"]


def test_shapefile_without_prj_has_no_crs_and_an_unlisted_crs_is_refused():
    assert read("localities_no_prj.zip")[0].crs is None
    with pytest.raises(InvalidInput) as raised:
        read("localities_3035.zip")
    assert raised.value.code == "unsupported_crs"
    assert "EPSG:3035" in raised.value.message


def test_geopackage_in_lambert93():
    [layer] = read("parcels_2154_one_bowtie.gpkg")
    assert (layer.crs, len(layer), layer.name) == (2154, 30, "parcels")


def test_csv_with_lon_lat_keeps_arabic_names():
    [layer] = read("health_lonlat.csv")
    assert layer.crs == 4326
    assert layer.columns["name"][0] == "اتش كلينيك"
    assert shapely.get_type_id(layer.geometries[0]) == 0


def test_windows_1256_csv_with_grid_coordinates_takes_its_crs_from_the_caller():
    [layer] = read("health_2039_cp1256.csv", crs=2039)
    assert layer.crs == 2039
    assert layer.columns["name"][0] == "اتش كلينيك"
    assert 200_000 < layer.geometries[0].x < 230_000


def test_csv_with_wkt():
    [layer] = read("health_wkt.csv")
    assert [f.name for f in layer.fields] == ["name"]
    assert layer.geometries[3].geom_type == "Point"


def test_osm_pbf_gives_streets_buildings_and_pois_and_says_what_the_clip_cut():
    streets, buildings, pois = read(str(OSM))
    assert (len(streets), len(buildings), len(pois)) == (2577, 385, 1882)
    assert streets.notes == [
        "118 street(s) cut by the extract's edge were split at the missing nodes into 125 "
        "parts (kept as one multi-line each)",
        "73 street(s) with fewer than two known nodes dropped",
    ]
    assert buildings.notes == ["48 building(s) with nodes missing from the extract dropped"]
    assert {"name", "highway", "oneway", "maxspeed"} <= set(streets.columns)


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("empty.gpkg", InvalidInput, "unreadable_file"),
        ("truncated.gpkg", InvalidInput, "unreadable_file"),
        ("no_shapefile.zip", InvalidInput, "no_shapefile"),
        ("path_traversal.zip", InvalidInput, "unsafe_zip"),
        ("zip_bomb.zip", PayloadTooLarge, "zip_bomb"),
    ],
)
def test_broken_uploads_are_refused_with_the_reason(name, error, code):
    with pytest.raises(error) as raised:
        read(name)
    assert raised.value.code == code


def test_unknown_format_is_415():
    with pytest.raises(UnsupportedMediaType) as raised:
        importer_for(Path("roads.kml"))
    assert raised.value.status_code == 415
    assert ".gpkg" in raised.value.message
