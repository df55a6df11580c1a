"""The basemap's vector tiles: drawn from the registers, cached, refreshed by an edit."""

import math

import pytest
from django.contrib.gis.geos import LineString

from addressing.services import building_numbering_apply, street_create
from public_map.models import Block
from public_map.services import basemap_blocks_rebuild
from tests.core.test_tiles import decode
from tests.factories import buildings_beside, street_along, town_create

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


STREET_TILE = tile_of(35.2025, 31.905, 15)


@pytest.fixture
def town(db):
    return town_create()


@pytest.fixture
def irsal(town):
    street = street_along(
        town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street"
    )
    buildings_beside(street=street, fractions_left=(0.5,))
    building_numbering_apply(street=street)
    return street


def test_basemap_tile_holds_streets_in_both_languages_and_house_numbers(client, irsal, tmp_path):
    response = client.get("/basemap/{}/{}/{}.mvt".format(*STREET_TILE))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    streets = decode(response.content, tmp_path, "streets")
    assert [(s["name_ar"], s["name_en"], s["kind"]) for s in streets] == [
        ("شارع الإرسال", "Al-Irsal Street", "street")
    ]
    entrances = decode(response.content, tmp_path, "entrances")
    assert [e["number"] for e in entrances] == ["1"]
    land = decode(response.content, tmp_path, "land")
    assert [(m["slug"], m["name_ar"]) for m in land] == [("ramallah", "رام الله")]


# The cache refuses a render that an uncommitted edit could have changed: commit for real.
@pytest.mark.django_db(transaction=True)
def test_a_new_street_shows_on_the_next_basemap_request(client, irsal, town, tmp_path):
    url = "/basemap/{}/{}/{}.mvt".format(*STREET_TILE)
    first = client.get(url)
    assert client.get(url)["X-Tile-Cache"] == "hit"
    street_create(
        municipality=town,
        code="RAM-0002",
        name_ar="شارع ركب",
        name_en="Rukab Street",
        geom=LineString((35.2025, 31.9040), (35.2025, 31.9060), srid=4326),
    )
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["X-Tile-Cache"] == "miss"
    names = {s["name_en"] for s in decode(second.content, tmp_path, "streets")}
    assert names == {"Al-Irsal Street", "Rukab Street"}


def test_an_unchanged_basemap_tile_is_answered_not_modified(client, irsal):
    url = "/basemap/{}/{}/{}.mvt".format(*STREET_TILE)
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_basemap_tile_out_of_range_is_refused_with_the_valid_range(client, db):
    response = client.get("/basemap/3/8/0.mvt")
    assert response.status_code == 400
    assert "x and y run from 0 to 7" in response.json()["error"]["message"]


def test_blocks_are_the_faces_of_the_street_network_inside_the_town(town):
    # Two crossing streets cut the 2 km town square into four blocks.
    (x0, y0, x1, y1) = town.geom.extent
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    for code, line in (("A", ((x0, mid_y), (x1, mid_y))), ("B", ((mid_x, y0), (mid_x, y1)))):
        street_create(
            municipality=town,
            code=code,
            name_ar="شارع " + code,
            name_en=f"{code} Street",
            geom=LineString(*line, srid=4326),
        )
    assert basemap_blocks_rebuild() == 4
    areas = [b.geom.transform(32636, clone=True).area for b in Block.objects.all()]
    assert max(areas) / min(areas) < 1.01  # four equal quarters
    assert basemap_blocks_rebuild(municipalities=[town]) == 4  # rebuilt, not added


def test_the_basemap_credits_its_sources_and_says_when_streets_are_synthetic(town):
    from django.utils import translation

    from public_map.basemap import basemap_attribution

    with translation.override("en"):
        credits = basemap_attribution()
        assert any("OCHA" in a["text"] for a in credits)
        assert any("OpenStreetMap" in a["text"] for a in credits)
        assert not any("synthetic" in a["text"] for a in credits)
        street_create(
            municipality=town,
            code="SYN-1",
            name_ar="شارع تجريبي",
            name_en="Demo Street",
            geom=LineString((35.20, 31.90), (35.21, 31.90), srid=4326),
            is_synthetic=True,
        )
        assert "synthetic" in basemap_attribution()[0]["text"]


def test_basemap_tiles_render_without_parallel_workers_and_postgres_does_not_object(
    transactional_db,
):
    """The tile statement's SET LOCAL must share its implicit transaction: sent alone, it
    would be a no-op that PostgreSQL answers with a warning."""
    from django.db import connection

    from public_map.sql import basemap_tile_render

    connection.ensure_connection()
    notices = connection.connection.notices
    notices.clear()
    tile, snapshot = basemap_tile_render(z=14, x=9777, y=6634)
    assert isinstance(tile, bytes)
    assert snapshot
    assert not [n for n in notices if "SET LOCAL" in n]
