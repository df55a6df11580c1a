"""A read replica through a database router, against a real PostgreSQL hot standby.

The standby is a base backup of the test database's own cluster (``pg_basebackup -R``, which
copies the test database too) streaming from it on a port of its own; it takes seconds, more
on a cluster that holds large databases (a benchmark's, the demo's). The tests pause its
replay to make it lag on purpose: whatever the public then reads but the primary already
holds shows where a read was served from.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from core.models import CachedTile
from core.roles import Role
from core.routers import read_alias, replica_health_forget, replica_reads
from layers.models import Feature, Layer
from layers.services import feature_create
from scripts import devstack
from tests.factories import UserFactory, layer_with_points, street_along, town_create

MANARA = (35.2042, 31.9038)
NEAR_MANARA = (35.2045, 31.9040)  # the same z15 tile
TILE = "/tiles/streetlights/15/19588/13317.mvt"
ITEMS = "/ogcapi/collections/streetlights/items"
SEARCH = "/api/v1/geocode/search"

# Committed on the primary, so that it replicates; the replica mirrors the test database.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@dataclass
class Standby:
    folder: Path
    port: int
    primary: dict = field(repr=False)  # holds the password

    def _connect(self, port: int):
        params = {**self.primary, "port": port}
        conn = psycopg2.connect(dbname=settings.DATABASES["default"]["NAME"], **params)
        conn.autocommit = True
        return conn

    def _one(self, port: int, sql: str, params=()):
        with contextlib.closing(self._connect(port)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def caught_up(self, timeout: float = 60.0) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        (lsn,) = self._one(self.primary["port"], "SELECT pg_current_wal_insert_lsn()::text")
        deadline = time.monotonic() + timeout
        while not self._one(self.port, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)

    @contextlib.contextmanager
    def lagging(self):
        """Inside the block the standby receives the primary's WAL but replays none of it."""
        self.caught_up()
        self._one(self.port, "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self._one(self.port, "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
            assert time.monotonic() < deadline, "the standby's replay did not pause"
            time.sleep(0.05)
        try:
            yield
        finally:
            self._one(self.port, "SELECT pg_wal_replay_resume()")
            self.caught_up()


def local_cluster_port() -> int | None:
    try:
        return json.loads(devstack.STATE_FILE.read_text())["pg_port"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def standby(django_db_setup):
    """The standby, and the ``replica`` database pointing at it as DATABASE_REPLICA_URL would
    (defined before the tests' database setup, which must know every database they use)."""
    db = settings.DATABASES["default"]
    primary = {"host": db["HOST"], "port": int(db["PORT"]), "user": db["USER"]}
    primary["password"] = db["PASSWORD"]
    if primary["port"] != local_cluster_port():
        # The standby runs here, with this machine's server binaries: of the local cluster.
        pytest.skip("DATABASE_URL names a server other than the project-local cluster")
    folder = Path(tempfile.mkdtemp(prefix="gis-standby-"))
    began = time.monotonic()
    try:
        port = devstack.pg_standby_start(primary=primary, folder=folder)
    except devstack.StackError as exc:
        log = folder / "standby.log"
        tail = log.read_text()[-2000:] if log.is_file() else ""
        devstack.pg_standby_stop(folder)
        pytest.fail(f"{exc}\n{tail}")
    print(f"standby of the test cluster ready in {time.monotonic() - began:.1f} s")
    alias = settings.REPLICA_DATABASE
    conf = copy.deepcopy(connections.settings["default"])
    conf.update(HOST="127.0.0.1", PORT=port, CONN_HEALTH_CHECKS=True)
    conf["TEST"]["MIRROR"] = "default"  # never flushed or created by the tests
    connections.settings[alias] = conf
    try:
        yield Standby(folder=folder, port=port, primary=primary)
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        replica_health_forget()
        devstack.pg_standby_stop(folder)


@pytest.fixture
def replica(standby, settings):
    """The replica's connection, with what this process measured of it forgotten."""
    settings.DATABASE_REPLICA_LAG_CHECK_SECONDS = 0  # measured on every request here
    replica_health_forget()
    standby.caught_up()
    return connections[settings.REPLICA_DATABASE]


@dataclass
class City:
    town: object
    lights: Layer


@pytest.fixture
def city(db, standby) -> City:
    """A public point layer and a street the geocoder finds, replayed by the standby."""
    town = town_create()
    street_along(town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street")
    city = City(town=town, lights=layer_with_points(points=[MANARA]))
    standby.caught_up()
    return city


def statements(captured: CaptureQueriesContext, marker: str) -> int:
    return sum(marker in query["sql"] for query in captured.captured_queries)


def streets_found(client, query: str) -> list[str]:
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200, response.content
    return [c["label_en"] for c in response.json()["candidates"] if c["kind"] == "street"]


def items_returned(client) -> int:
    response = client.get(ITEMS)
    assert response.status_code == 200, response.content
    return response.json()["numberReturned"]


def light_add(city: City) -> None:
    feature_create(
        layer=city.lights,
        geometry=Point(*NEAR_MANARA, srid=4326),
        properties={"lamp": "LED"},
        user=None,
    )


def test_the_publics_tiles_features_and_searches_are_read_from_the_replica(client, replica, city):
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)  # a hot standby, not the primary again
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        tile = client.get(TILE)
        assert items_returned(client) == 1
        assert streets_found(client, "Al-Irsal Street")[0].startswith("Al-Irsal Street")
    assert tile.status_code == 200
    assert tile.content
    for marker in ("ST_AsMVT", "json_agg(json_build_object(", "addressing_normalize"):
        assert statements(on_replica, marker) >= 1, marker
        assert statements(on_primary, marker) == 0, marker
    # The tile cache lives on the primary (unlogged tables: a standby has none of their rows).
    assert statements(on_primary, "core_cachedtile") >= 2
    assert statements(on_replica, "core_cachedtile") == 0


def test_a_lagging_replica_serves_the_public_its_older_state_and_signed_in_users_the_primary(
    client, replica, standby, city
):
    planner = type(client)()
    planner.force_login(UserFactory(role=Role.PLANNER))
    with standby.lagging():
        light_add(city)
        street_along(
            town=city.town,
            code="RAM-0002",
            name_ar="شارع القدس",
            name_en="Al-Quds Street",
            start=(35.200, 31.908),
            end=(35.205, 31.908),
        )
        assert items_returned(client) == 1
        assert not any("Al-Quds" in s for s in streets_found(client, "Al-Quds Street"))
        # Whoever can write reads the primary: an edit shows on its author's next request.
        assert items_returned(planner) == 2
        assert streets_found(planner, "Al-Quds Street")[0].startswith("Al-Quds Street")
    assert items_returned(client) == 2
    assert streets_found(client, "Al-Quds Street")[0].startswith("Al-Quds Street")


def test_a_tile_the_replica_renders_before_it_replayed_an_edit_is_served_but_never_cached(
    client, replica, standby, city
):
    assert client.get(TILE)["X-Tile-Cache"] == "miss"
    before = client.get(TILE)
    assert before["X-Tile-Cache"] == "hit"
    with standby.lagging():
        light_add(city)  # invalidates the tile, in its transaction on the primary
        for _ in range(2):
            stale = client.get(TILE)
            assert stale["X-Tile-Cache"] == "miss"  # rendered again, from the replica...
            assert stale["ETag"] == before["ETag"]  # ...which has not replayed the edit yet
        # ...so it was refused by the cache: the edit is not visible in its snapshot.
        assert not CachedTile.objects.filter(collection="streetlights").exists()
    fresh = client.get(TILE)
    assert fresh["X-Tile-Cache"] == "miss"
    assert fresh["ETag"] != before["ETag"]
    assert client.get(TILE)["X-Tile-Cache"] == "hit"
    assert client.get(TILE)["ETag"] == fresh["ETag"]


def test_writes_go_to_the_primary_and_a_request_then_reads_what_it_wrote(replica, standby, city):
    with standby.lagging(), replica_reads():
        assert read_alias() == "replica"
        first = Feature.objects.get(layer=city.lights)  # read on the replica
        assert first._state.db == "replica"
        light_add(city)  # a write through the services, on the primary
        assert read_alias() == "default"  # from now on this request reads what it wrote
        assert Feature.objects.filter(layer=city.lights).count() == 2
        with replica.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM layers_feature")
            assert cursor.fetchone() == (1,)  # the write is on the primary only, for now
    with replica_reads():
        # An object read from the replica is saved on the primary (a standby refuses writes).
        first.save(update_fields=["updated_at"])
        assert router.db_for_write(Feature, instance=first) == "default"
    with replica_reads(), transaction.atomic():
        assert read_alias() == "default"  # a transaction reads one database: the primary


def test_a_replica_further_behind_than_the_limit_is_not_read(
    client, replica, standby, city, settings, caplog
):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    with standby.lagging(), caplog.at_level(logging.WARNING, logger="core.routers"):
        light_add(city)
        assert items_returned(client) == 2  # the primary's
    assert "read replica not used, reading the primary: the replica may be" in caplog.text


def test_without_the_replica_the_public_reads_the_primary_and_a_warning_is_logged(
    client, replica, standby, city, caplog
):
    assert items_returned(client) == 1
    devstack.pg_standby_stop(standby.folder, remove=False)
    try:
        with caplog.at_level(logging.WARNING, logger="core.routers"):
            light_add(city)
            assert items_returned(client) == 2
            assert client.get(TILE).status_code == 200
            assert streets_found(client, "Al-Irsal Street")
            health = client.get("/healthz")
        assert "read replica unreachable, reading the primary for 10 s" in caplog.text
        assert health.status_code == 200
        assert health.json()["replica"].startswith("not used (unreachable")
    finally:
        devstack.pg_standby_run(standby.folder)
    standby.caught_up()
