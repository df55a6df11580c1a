"""Vector tiles of every collection, and a cache that never serves a stale tile."""

from pathlib import Path

import pyogrio
import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point

from core.collections import registry
from core.errors import InvalidInput
from core.models import CachedTile
from core.tiles import (
    FileTileCache,
    Tile,
    tile_cache,
    tile_get,
    tile_render,
    tile_seed,
    tile_seed_plan,
    tiles_covering,
)
from layers.models import Layer
from layers.services import feature_update, layer_delete
from tests.factories import layer_with_points

# Two street lights about 3 km apart: at zoom 15 they fall in different tiles.
MANARA = (35.2042, 31.9038)
BIREH = (35.2250, 31.9150)
MANARA_TILE = (15, 19588, 13317)
BIREH_TILE = (15, 19590, 13315)


def decode(data: bytes, tmp_path, layer: str) -> list[dict]:
    path = tmp_path / "tile.mvt"
    path.write_bytes(data)
    if not data:
        return []
    frame = pyogrio.read_dataframe(path, layer=layer)
    return frame.drop(columns="geometry").to_dict("records")


@pytest.fixture
def lights(db):
    return layer_with_points(points=[MANARA, BIREH])


def test_tile_holds_its_features_without_internal_attributes_for_the_public(
    client, lights, tmp_path
):
    response = client.get("/tiles/streetlights/{}/{}/{}.mvt".format(*MANARA_TILE))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"] == "public, no-cache"
    features = decode(response.content, tmp_path, "streetlights")
    assert features == [{"mvt_id": features[0]["mvt_id"], "lamp": "LED"}]


def test_staff_tiles_carry_internal_attributes(client, lights, planner, tmp_path):
    client.force_login(planner)
    response = client.get("/tiles/streetlights/{}/{}/{}.mvt".format(*MANARA_TILE))
    assert decode(response.content, tmp_path, "streetlights")[0]["asset_no"] == 1


def test_internal_layer_tiles_are_invisible_to_the_public(client, db, planner):
    layer_with_points(slug="sewer-valves", visibility="internal", points=[MANARA])
    for url in ["/tiles/sewer-valves/15/19588/13317.mvt", "/tiles/sewer-valves.json"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "collection_not_found"
    client.force_login(planner)
    assert client.get("/tiles/sewer-valves/15/19588/13317.mvt").status_code == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("23/0/0", "Zoom 23 is out of range: tiles exist for zoom 0 to 22."),
        ("3/8/0", "Tile 3/8/0 is out of range: at zoom 3, x and y run from 0 to 7."),
    ],
)
def test_out_of_range_tiles_are_400_with_a_precise_message(client, lights, path, message):
    response = client.get(f"/tiles/streetlights/{path}.mvt")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_boundary_collections_are_tiled_too(client, reference_data, tmp_path):
    response = client.get("/tiles/municipalities/12/2448/1664.mvt")
    names = {row["name_en"] for row in decode(response.content, tmp_path, "municipalities")}
    assert {"Ramallah", "Al-Bireh"} <= names


def test_tilejson_describes_the_visible_fields_and_extent(client, lights):
    document = client.get("/tiles/streetlights.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == ["http://testserver/tiles/streetlights/{z}/{x}/{y}.mvt"]
    assert document["vector_layers"][0]["fields"] == {"lamp": "string"}
    west, south, east, north = document["bounds"]
    assert (west, south) == pytest.approx(MANARA)
    assert (east, north) == pytest.approx(BIREH)


def test_tile_render_at_low_zoom_still_shows_points(lights, tmp_path):
    collection = registry.get("streetlights", user=AnonymousUser())
    data, _snapshot = tile_render(collection=collection, user=AnonymousUser(), z=8, x=153, y=104)
    assert len(decode(data, tmp_path, "streetlights")) == 2


def test_out_of_range_is_checked_before_any_query(lights):
    collection = registry.get("streetlights", user=AnonymousUser())
    with pytest.raises(InvalidInput):
        tile_get(collection=collection, user=AnonymousUser(), z=1, x=2, y=0)


@pytest.fixture(params=["files", "postgres"])
def engine(request, settings, tmp_path):
    """Every cache engine must pass the same tests."""
    settings.TILE_CACHE = request.param
    settings.TILE_CACHE_DIR = str(tmp_path / "tiles")
    tile_cache.cache_clear()
    yield request.param
    tile_cache.cache_clear()


def cached_files(settings) -> list[str]:
    root = Path(settings.TILE_CACHE_DIR)
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("engine")
class TestTileCache:
    def fetch(self, client, tile):
        return client.get("/tiles/streetlights/{}/{}/{}.mvt".format(*tile))

    def test_second_request_is_a_cache_hit_and_etag_gives_304(self, client):
        layer_with_points(points=[MANARA, BIREH])
        first = self.fetch(client, MANARA_TILE)
        second = self.fetch(client, MANARA_TILE)
        assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit")
        assert first.content == second.content
        again = client.get(
            "/tiles/streetlights/{}/{}/{}.mvt".format(*MANARA_TILE),
            HTTP_IF_NONE_MATCH=second["ETag"],
        )
        assert again.status_code == 304

    def test_an_edit_invalidates_exactly_the_tiles_it_touches(self, client, tmp_path):
        layer = layer_with_points(points=[MANARA, BIREH])
        self.fetch(client, MANARA_TILE)
        self.fetch(client, BIREH_TILE)
        feature = layer.features.get(properties__asset_no=1)
        feature_update(feature=feature, version=1, user=None, properties={"lamp": "sodium"})
        manara, bireh = self.fetch(client, MANARA_TILE), self.fetch(client, BIREH_TILE)
        assert manara["X-Tile-Cache"] == "miss"
        assert decode(manara.content, tmp_path, "streetlights")[0]["lamp"] == "sodium"
        assert bireh["X-Tile-Cache"] == "hit"

    def test_moving_a_feature_invalidates_its_old_and_new_tiles(self, client, tmp_path):
        layer = layer_with_points(points=[MANARA, BIREH])
        self.fetch(client, MANARA_TILE)
        self.fetch(client, BIREH_TILE)
        feature = layer.features.get(properties__asset_no=1)
        feature_update(feature=feature, version=1, user=None, geometry=Point(*BIREH, srid=4326))
        assert decode(self.fetch(client, MANARA_TILE).content, tmp_path, "streetlights") == []
        moved = self.fetch(client, BIREH_TILE)
        assert moved["X-Tile-Cache"] == "miss"
        assert len(decode(moved.content, tmp_path, "streetlights")) == 2

    def test_a_render_that_raced_with_an_edit_is_not_cached(self, settings):
        layer = layer_with_points(points=[MANARA])
        collection = registry.get("streetlights", user=AnonymousUser())
        z, x, y = MANARA_TILE
        # The render reads its snapshot, then an edit commits before the render is stored.
        data, snapshot = tile_render(collection=collection, user=AnonymousUser(), z=z, x=x, y=y)
        feature = layer.features.get()
        feature_update(feature=feature, version=1, user=None, properties={"lamp": "sodium"})
        stored = tile_cache().put(
            collection="streetlights",
            audience="public",
            z=z,
            x=x,
            y=y,
            tile=Tile(data=data, etag="stale", cached=False),
            snapshot=snapshot,
        )
        assert stored is False
        assert not CachedTile.objects.filter(collection="streetlights").exists()
        assert cached_files(settings) == []

    def test_a_render_after_the_edit_is_cached(self):
        layer = layer_with_points(points=[MANARA])
        feature_update(
            feature=layer.features.get(), version=1, user=None, properties={"lamp": "sodium"}
        )
        collection = registry.get("streetlights", user=AnonymousUser())
        tile_get(collection=collection, user=AnonymousUser(), z=15, x=19588, y=13317)
        assert CachedTile.objects.filter(collection="streetlights").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("engine", ["files"], indirect=True)
class TestFileTileCache:
    """The "files" engine: validity in PostgreSQL, bytes on disk named by their ETag."""

    def fetch(self, client, tile=MANARA_TILE):
        return client.get("/tiles/streetlights/{}/{}/{}.mvt".format(*tile))

    def test_bytes_are_a_file_named_by_the_etag_and_the_row_holds_none(self, client, settings):
        layer_with_points(points=[MANARA])
        etag = self.fetch(client)["ETag"].strip('"')
        assert cached_files(settings) == [f"{MANARA_TILE[2]}.{etag}.mvt"]
        assert CachedTile.objects.get(collection="streetlights").tile is None

    def test_a_row_whose_file_is_gone_is_a_miss_and_the_file_comes_back(self, client, settings):
        layer_with_points(points=[MANARA])
        first = self.fetch(client)
        for path in Path(settings.TILE_CACHE_DIR).rglob("*.mvt"):
            path.unlink()  # another web server's disk, or a cleaned folder
        second = self.fetch(client)
        assert second["X-Tile-Cache"] == "miss"
        assert second.content == first.content
        assert self.fetch(client)["X-Tile-Cache"] == "hit"

    def test_a_new_version_of_a_tile_replaces_the_old_file(self, client, settings):
        layer = layer_with_points(points=[MANARA])
        old = self.fetch(client)["ETag"].strip('"')
        feature = layer.features.get()
        feature_update(feature=feature, version=1, user=None, properties={"lamp": "sodium"})
        new = self.fetch(client)["ETag"].strip('"')
        assert new != old
        assert cached_files(settings) == [f"{MANARA_TILE[2]}.{new}.mvt"]

    def test_a_file_without_its_row_is_never_served(self, client, settings, tmp_path):
        layer_with_points(points=[MANARA])
        self.fetch(client)
        CachedTile.objects.all().delete()  # as an invalidation does; the file stays
        [path] = Path(settings.TILE_CACHE_DIR).rglob("*.mvt")
        path.write_bytes(b"not a tile")
        response = self.fetch(client)
        assert response["X-Tile-Cache"] == "miss"
        assert decode(response.content, tmp_path, "streetlights")[0]["lamp"] == "LED"

    def test_deleting_a_layer_frees_its_cached_files(self, client, settings):
        layer_with_points(points=[MANARA, BIREH])
        self.fetch(client, MANARA_TILE)
        self.fetch(client, BIREH_TILE)
        assert len(cached_files(settings)) == 2
        layer_delete(layer=Layer.objects.get(slug="streetlights"))
        assert cached_files(settings) == []

    def test_a_name_that_is_not_a_slug_never_becomes_a_path(self, settings):
        engine = FileTileCache(root=settings.TILE_CACHE_DIR)
        with pytest.raises(InvalidInput):
            engine.get(collection="../etc", audience="public", z=0, x=0, y=0)


# -- seeding ------------------------------------------------------------------------------------


def test_the_tiles_covering_a_point_are_the_tile_that_holds_it():
    for z, x, y in (MANARA_TILE, BIREH_TILE):
        lon, lat = MANARA if (x, y) == MANARA_TILE[1:] else BIREH
        assert tiles_covering(bbox=(lon, lat, lon, lat), zoom=z) == (
            range(x, x + 1),
            range(y, y + 1),
        )
    assert tiles_covering(bbox=(-180, -90, 180, 90), zoom=0) == (range(1), range(1))
    assert tiles_covering(bbox=(-180, -90, 180, 90), zoom=2) == (range(4), range(4))


def test_a_seeding_plan_over_the_limit_or_with_reversed_zooms_is_refused():
    with pytest.raises(InvalidInput) as too_many:
        tile_seed_plan(bbox=(34.2, 31.2, 35.6, 32.6), min_zoom=10, max_zoom=18)
    assert too_many.value.code == "seed_too_large"
    assert "tiles; one seeding renders at most 50,000" in too_many.value.message
    with pytest.raises(InvalidInput) as reversed_zooms:
        tile_seed_plan(bbox=(35.2, 31.9, 35.3, 32.0), min_zoom=15, max_zoom=14)
    assert reversed_zooms.value.code == "invalid_zoom"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("engine")
def test_seeding_caches_the_public_tiles_so_that_the_first_visitor_gets_a_hit(client):
    layer_with_points(points=[MANARA, BIREH])
    collection = registry.get("streetlights", user=AnonymousUser())
    reports = []
    first = tile_seed(
        collection=collection,
        user=AnonymousUser(),
        bbox=(*MANARA, *BIREH),
        min_zoom=14,
        max_zoom=15,
        progress=lambda done, total, message: reports.append((done, total)),
    )
    # z14: 2 x 2 tiles, z15: 3 x 3 (the two lamps' tiles and those between)
    assert first == {"tiles": 4 + 9, "rendered": 13, "already_cached": 0}
    assert reports[-1] == (13, 13)
    response = client.get("/tiles/streetlights/{}/{}/{}.mvt".format(*MANARA_TILE))
    assert response["X-Tile-Cache"] == "hit"
    again = tile_seed(
        collection=collection,
        user=AnonymousUser(),
        bbox=(*MANARA, *BIREH),
        min_zoom=15,
        max_zoom=15,
    )
    assert again == {"tiles": 9, "rendered": 0, "already_cached": 9}
