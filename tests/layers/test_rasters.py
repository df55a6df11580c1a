"""Raster layers: GeoTIFF to COG, PNG tiles, zonal statistics. The rasters are synthetic,
made by the tests: a tilted plane (known slope) and a striped RGB image."""

import io
import math

import numpy as np
import pytest
import rasterio
from django.contrib.gis.geos import Polygon
from pyproj import Transformer
from rasterio.transform import from_origin

from core.errors import InvalidInput
from core.roles import Role
from layers.models import Raster
from layers.rasters import raster_tile_png, raster_zonal_statistics
from layers.services.rasters import raster_create
from tests.factories import UserFactory

# A 2 km x 2 km plane in the Palestine grid, west of central Ramallah: 10 m cells, rising
# 1 m every 10 m eastwards, so its slope is atan(0.1) = 5.71 degrees everywhere.
ORIGIN = (166_000.0, 148_000.0)  # west, north (EPSG:28191)
CELL = 10.0
SIZE = 200
SLOPE = math.degrees(math.atan(0.1))
TO_WGS84 = Transformer.from_crs(28191, 4326, always_xy=True)
# The PNG tiles are plain images; rasterio says so when it opens them.
pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")


def write_dem(path, *, crs="EPSG:28191", nodata_corner=False):
    columns = np.arange(SIZE) * CELL + CELL / 2
    elevation = np.tile(800 + 0.1 * columns, (SIZE, 1)).astype("float32")
    if nodata_corner:
        elevation[:20, :20] = -9999
    with rasterio.open(
        path, "w", driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="float32",
        crs=crs, transform=from_origin(*ORIGIN, CELL, CELL), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(elevation, 1)
    return path


def write_rgb(path):
    image = np.zeros((3, 100, 100), dtype="uint8")
    image[0, :, :50] = 255  # red west half
    image[2, :, 50:] = 255  # blue east half
    with rasterio.open(
        path, "w", driver="GTiff", width=100, height=100, count=3, dtype="uint8",
        crs="EPSG:28191", transform=from_origin(*ORIGIN, 20, 20),
    ) as dst:  # fmt: skip
        dst.write(image)
    return path


def grid_polygon(west, south, east, north) -> Polygon:
    """A polygon given in the Palestine grid, as EPSG:4326."""
    ring = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return Polygon([TO_WGS84.transform(x, y) for x, y in ring], srid=4326)


@pytest.fixture
def dem(db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return raster_create(
        path=write_dem(tmp_path / "dem.tif"),
        slug="demo-dem",
        title_en="Elevation (synthetic)",
        kind="elevation",
        visibility="public",
        is_synthetic=True,
        user=None,
    )


def test_geotiff_is_stored_as_a_cloud_optimized_geotiff(dem, settings):
    assert (dem.crs, dem.width, dem.height, dem.resolution) == (28191, 200, 200, 10.0)
    assert dem.value_min == pytest.approx(800.5, abs=1)
    assert dem.value_max == pytest.approx(999.5, abs=1)
    with rasterio.open(f"{settings.MEDIA_ROOT}/{dem.file}") as src:
        assert src.profile["tiled"] is True
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    west, south, east, north = dem.extent.extent
    assert 35.16 < west < east < 35.21
    assert 31.90 < south < north < 31.93


def test_zonal_statistics_of_a_parcel_give_elevation_and_slope(dem):
    # A 200 m square: cells 50..69 from the west edge.
    parcel = grid_polygon(166_500, 147_300, 166_700, 147_500)
    stats = raster_zonal_statistics(raster=dem, polygon=parcel)
    assert stats["cells"] == pytest.approx(400, abs=42)  # reprojection shifts the edges a little
    assert stats["elevation_m"]["mean"] == pytest.approx(860.0, abs=0.6)
    assert stats["elevation_m"]["min"] == pytest.approx(850.5, abs=1.1)
    assert stats["elevation_m"]["max"] == pytest.approx(869.5, abs=1.1)
    for value in stats["slope_degrees"].values():
        assert value == pytest.approx(SLOPE, abs=0.01)


def test_a_polygon_off_the_raster_is_refused(dem):
    far = grid_polygon(180_000, 160_000, 180_100, 160_100)
    with pytest.raises(InvalidInput) as raised:
        raster_zonal_statistics(raster=dem, polygon=far)
    assert raised.value.code == "outside_raster"


def test_elevation_tile_is_a_shaded_png_transparent_off_the_raster(dem):
    png = raster_tile_png(raster=dem, z=14, x=9793, y=6658)
    with rasterio.open(io.BytesIO(png)) as tile:
        assert (tile.count, tile.width) == (4, 256)
        alpha = tile.read(4)
        colours = tile.read([1, 2, 3])
    assert 0 < (alpha > 0).mean() < 1  # the tile holds the raster's edge
    assert np.unique(colours[:, alpha > 0], axis=1).shape[1] > 10  # a ramp, not one colour


def test_imagery_tile_keeps_its_colours(db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    photo = raster_create(
        path=write_rgb(tmp_path / "photo.tif"), slug="photo", title_en="Photo",
        kind="imagery", visibility="public", user=None,
    )  # fmt: skip
    with rasterio.open(io.BytesIO(raster_tile_png(raster=photo, z=14, x=9793, y=6658))) as tile:
        red, _green, blue, alpha = tile.read()
    shown = alpha > 0
    assert set(np.unique(red[shown])) <= {0, 255} or red[shown].max() == 255
    assert blue[shown].max() == 255


@pytest.mark.parametrize(
    ("maker", "code"),
    [
        (lambda p: p.write_bytes(b"not a tiff at all"), "unreadable_file"),
        (lambda p: write_dem(p, crs=None), "missing_crs"),
        (lambda p: write_dem(p, crs="EPSG:3035"), "unsupported_crs"),
    ],
)
def test_bad_rasters_are_refused_and_nothing_is_kept(db, tmp_path, settings, maker, code):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "upload.tif"
    maker(path)
    with pytest.raises(InvalidInput) as raised:
        raster_create(path=path, slug="bad", title_en="Bad", kind="elevation", user=None)
    assert raised.value.code == code
    assert not Raster.objects.exists()
    assert not list((tmp_path / "media").glob("**/*.tif"))


def test_tiles_tilejson_and_statistics_over_http(client, dem):
    response = client.get("/tiles/rasters/demo-dem/14/9793/6658.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert (
        client.get(
            "/tiles/rasters/demo-dem/14/9793/6658.png", HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )
    document = client.get("/tiles/rasters/demo-dem.json").json()
    assert document["tiles"][0].endswith("/tiles/rasters/demo-dem/{z}/{x}/{y}.png")
    assert document["attribution"] == "Synthetic data"
    parcel = grid_polygon(166_500, 147_300, 166_700, 147_500)
    stats = client.post(
        "/api/v1/rasters/demo-dem/zonal-statistics/",
        {"geometry": {"type": "Polygon", "coordinates": [list(map(list, parcel.coords[0]))]}},
        content_type="application/json",
    ).json()
    assert stats["slope_degrees"]["mean"] == pytest.approx(SLOPE, abs=0.01)
    assert client.get("/tiles/rasters/demo-dem/3/9/0.png").status_code == 400


def test_internal_rasters_are_hidden_from_the_public(client, db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    raster_create(
        path=write_dem(tmp_path / "dem.tif"), slug="survey", title_en="Survey",
        kind="elevation", user=None,
    )  # fmt: skip
    for url in ["/tiles/rasters/survey/14/9793/6658.png", "/tiles/rasters/survey.json",
                "/api/v1/rasters/survey/"]:  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.get("/api/v1/rasters/").json()["count"] == 0
    client.force_login(UserFactory(role=Role.PLANNER))
    assert client.get("/tiles/rasters/survey/14/9793/6658.png").status_code == 200
