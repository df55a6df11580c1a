"""Layers benchmark: imports, vector tiles and OGC API pages, against peers in the same run.

    ./platform bench layers_bench [--parcels 200000] [--clients 4] [--rounds 3]

On a fresh benchmark database (made by ./platform bench) it builds a synthetic parcel-like
layer (200,000 irregular quadrilaterals in the Palestine 1923 grid; labelled synthetic) and the
Helsinki OpenStreetMap layers, then measures:

  (a) import rows/s: the platform's importer (with all its checks) against
      ``ogr2ogr -f PostgreSQL`` of the same GeoPackage into the same database;
  (b) vector tiles/s and p95 latency over 64 tiles at z13-z16 with 4 concurrent clients:
      the platform cold (cache emptied) and warm, the raw ST_AsMVT statement run directly in
      PostgreSQL (the ceiling), and tipg serving the same table;
  (c) OGC API items pages (limit=1000) per second against tipg.

It prints figures and writes .local/bench/layers_results.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import psycopg2  # noqa: E402
import pyogrio  # noqa: E402
import requests  # noqa: E402
import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402

from bench.common import (  # noqa: E402
    VENV_BIN,
    WORK,
    Server,
    database_params,
    figures,
    free_port,
    merged,
    pick_tiles,
    run_http_load,
    run_load,
    split,
    table,
    tipg_python,
    warm_up,
)
from core import sql as core_sql  # noqa: E402
from core.collections import registry  # noqa: E402
from core.selectors import collection_extent  # noqa: E402
from core.tiles import tile_rows  # noqa: E402
from layers.importers import importers  # noqa: E402
from layers.models import Layer  # noqa: E402
from layers.services import NewLayer, layer_delete, layer_import, osm_import  # noqa: E402

LAND_USES = np.array(["residential", "commercial", "agricultural", "public", "industrial"])
SLUG = "bench-parcels"
TILES_DIR = WORK / "tiles"


def parcels_file(count: int) -> Path:
    """A GeoPackage of ``count`` synthetic parcels (EPSG:28191), made once and kept."""
    path = WORK / f"parcels_{count}.gpkg"
    if path.exists():
        return path
    print(f"building {count:,} synthetic parcels ...", flush=True)
    columns = int(math.sqrt(count * 1.25))
    rows = math.ceil(count / columns)
    rng = np.random.default_rng(2026)
    cell = 20.0
    # Shared, jittered corners: neighbouring parcels meet exactly, none overlap.
    xs = 160_000 + np.arange(columns + 1) * cell
    ys = 136_000 + np.arange(rows + 1) * cell
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid_x = grid_x + rng.uniform(-4, 4, grid_x.shape)
    grid_y = grid_y + rng.uniform(-4, 4, grid_y.shape)
    r, c = np.divmod(np.arange(count), columns)
    ring = np.stack(
        [
            np.stack([grid_x[r, c], grid_y[r, c]], -1),
            np.stack([grid_x[r, c + 1], grid_y[r, c + 1]], -1),
            np.stack([grid_x[r + 1, c + 1], grid_y[r + 1, c + 1]], -1),
            np.stack([grid_x[r + 1, c], grid_y[r + 1, c]], -1),
            np.stack([grid_x[r, c], grid_y[r, c]], -1),
        ],
        axis=1,
    )
    polygons = shapely.polygons(ring)
    frame = gpd.GeoDataFrame(
        {
            "parcel_no": np.arange(1, count + 1),
            "block": (r // 20) * 1000 + c // 20,
            "land_use": LAND_USES[rng.integers(0, len(LAND_USES), count)],
            "registered_area": np.round(shapely.area(polygons), 1),
        },
        geometry=polygons,
        crs="EPSG:28191",
    )
    WORK.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, path, layer="parcels")
    return path


def measure_imports(path: Path, count: int) -> dict:
    print("(a) imports", flush=True)
    importers()  # a running worker has its readers loaded; load them before the clock starts
    began = time.perf_counter()
    report = layer_import(
        path=path,
        user=None,
        new_layer=NewLayer(
            slug=SLUG,
            title_en="Parcels (synthetic benchmark data)",
            title_ar="قطع أراضٍ (بيانات تجريبية)",
            visibility="public",
            is_synthetic=True,
        ),
    )
    ours = time.perf_counter() - began
    p = database_params()
    dsn = (
        f"PG:host={p['host']} port={p['port']} dbname={p['dbname']} user={p['user']} "
        f"password={p['password']}"
    )
    began = time.perf_counter()
    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", dsn, str(path), "-nln", "bench_ogr_parcels",
         "-t_srs", "EPSG:4326", "-lco", "GEOMETRY_NAME=geom", "-overwrite"],
        check=True,
    )  # fmt: skip
    ogr = time.perf_counter() - began
    began = time.perf_counter()
    osm_reports = osm_import(
        path=Path(settings.BASE_DIR) / "data/osm/helsinki.osm.pbf", prefix="bench-osm", user=None
    )
    osm = time.perf_counter() - began
    osm_rows = sum(r.imported for r in osm_reports)
    return {
        "rows": report.imported,
        "platform_seconds": round(ours, 2),
        "platform_rows_per_s": round(report.imported / ours),
        "ogr2ogr_seconds": round(ogr, 2),
        "ogr2ogr_rows_per_s": round(count / ogr),
        "osm_rows": osm_rows,
        "osm_seconds": round(osm, 2),
    }


def fetch(session, url: str) -> int:
    response = session.get(url, timeout=120)
    response.raise_for_status()
    return len(response.content)


def measure_tiles(tiles, clients: int, rounds: int, ours: str, tipg: str) -> dict:
    print("(b) vector tiles", flush=True)
    results = {}
    collection = registry.get(SLUG, user=AnonymousUser())
    statements = []
    for z, x, y in tiles:
        rows = tile_rows(collection=collection, user=AnonymousUser(), z=z, x=x, y=y)
        statements.append(core_sql.tile_sql(rows=rows, layer_name=SLUG))

    def ceiling_client():
        conn = psycopg2.connect(**database_params())
        conn.autocommit = True
        cursor = conn.cursor()
        # The platform's own session settings for tile statements (SET LOCAL there).
        cursor.execute(core_sql.TILE_SESSION_SETTINGS.replace("SET LOCAL", "SET"))
        return cursor

    def ceiling_work(cursor, statement) -> int:
        cursor.execute(*statement)
        return len(cursor.fetchone()[1] or b"")

    # Every row runs the same rounds: each round deals the tiles to the clients in the same
    # order for every server, and the cold platform's cache is emptied before each round.
    ceiling, cold = [], []
    urls = [f"{ours}/tiles/{SLUG}/{z}/{x}/{y}.mvt" for z, x, y in tiles]
    warm_up(urls)
    for round_number in range(rounds):
        ceiling.append(
            run_load(
                split(statements, clients, seed=round_number),
                ceiling_work,
                make_client=ceiling_client,
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_cachedtile WHERE collection = %s", [SLUG])
        shutil.rmtree(TILES_DIR, ignore_errors=True)
        cold.append(run_http_load(split(urls, clients, seed=round_number)))
    results["ceiling"] = figures(merged(ceiling))
    results["platform_cold"] = figures(merged(cold))
    run_http_load([urls])  # every tile cached
    results["platform_warm"] = figures(run_http_load(split(urls, clients, rounds=rounds * 4)))
    # tipg as deployed reads the table's first geometry column (EPSG:4326) and reprojects
    # it for every tile; the platform keeps a Web Mercator copy for that. The second row
    # gives tipg the same copy, to show what the encoding alone costs each of them.
    for name, column in (("tipg", "geom"), ("tipg_given_geom_3857", "geom_3857")):
        tipg_urls = [
            f"{tipg}/collections/public.layers_feature/tiles/WebMercatorQuad/{z}/{x}/{y}"
            f"?geom-column={column}&properties=properties"
            for z, x, y in tiles
        ]
        warm_up(tipg_urls)
        loads = [
            run_http_load(split(tipg_urls, clients, seed=round_number))
            for round_number in range(rounds)
        ]
        results[name] = figures(merged(loads))
    return results


def measure_pages(count: int, clients: int, rounds: int, ours: str, tipg: str) -> dict:
    print("(c) OGC API items pages", flush=True)
    rng = random.Random(5)
    offsets = [rng.randrange(0, count - 1000, 1000) for _ in range(32)]
    ours_urls = [f"{ours}/ogcapi/collections/{SLUG}/items?limit=1000&offset={o}" for o in offsets]
    tipg_urls = [
        f"{tipg}/collections/public.layers_feature/items?limit=1000&offset={o}" for o in offsets
    ]
    run_load([tipg_urls[:2], ours_urls[:2]], fetch, make_client=requests.Session)
    return {
        "platform": figures(run_http_load(split(ours_urls, clients, rounds=rounds))),
        "tipg": figures(run_http_load(split(tipg_urls, clients, rounds=rounds))),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="server processes, both servers")
    args = parser.parse_args()
    path = parcels_file(args.parcels)
    results = {"machine": {"cpus": os.cpu_count()}, "parcels": args.parcels}
    results["imports"] = measure_imports(path, args.parcels)
    for layer in Layer.objects.filter(slug__startswith="bench-osm"):
        layer_delete(layer=layer)  # tiles and pages read the parcels only, on both servers
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ogr_parcels")
        cursor.execute("VACUUM ANALYZE layers_feature")
    extent = collection_extent(
        collection=registry.get(SLUG, user=AnonymousUser()), user=AnonymousUser()
    )
    tiles = pick_tiles(extent)
    ours_port, tipg_port = free_port(), free_port()
    ours = f"http://127.0.0.1:{ours_port}"
    tipg = f"http://127.0.0.1:{tipg_port}"
    # The platform as deployed: DEBUG off (no SQL kept per query), the default tile cache.
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "TILE_CACHE": "files",
        "TILE_CACHE_DIR": str(TILES_DIR),
    }
    p = database_params()
    tipg_env = {
        **os.environ,
        # The same session settings as the platform's tile statements (asyncpg passes extra
        # query parameters as server settings): the comparison is of the servers alone.
        "DATABASE_URL": f"postgresql://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{p['dbname']}"
        "?max_parallel_workers_per_gather=0",
        "TIPG_DB_TABLES": '["public.layers_feature"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        # Same tiles as the platform's: every feature (tipg stops at 10,000 by default) and
        # the same 64-unit buffer.
        "TIPG_MAX_FEATURES_PER_TILE": "10000000",
        "TIPG_TILE_BUFFER": "64",
    }
    tipg_bin = tipg_python()
    with (
        Server(
            [str(VENV_BIN / "gunicorn"), "gis_project.wsgi:application", f"--bind=127.0.0.1:{ours_port}",
             f"--workers={args.workers}", "--no-control-socket", "--timeout=300",
             "--worker-class=gthread", "--threads=2", "--keep-alive=30", "--preload"],
            env=env, ready_url=f"{ours}/healthz", log=WORK / "bench-gunicorn.log",
        ),
        Server(
            [str(tipg_bin / "uvicorn"), "tipg.main:app", "--port", str(tipg_port),
             "--workers", str(args.workers), "--log-level", "warning"],
            env=tipg_env, ready_url=f"{tipg}/collections", log=WORK / "bench-tipg.log",
        ),
    ):  # fmt: skip
        results["tiles"] = measure_tiles(tiles, args.clients, args.rounds, ours, tipg)
        results["pages"] = measure_pages(args.parcels, args.clients, args.rounds, ours, tipg)
    report(results)
    (WORK / "layers_results.json").write_text(json.dumps(results, indent=2))


def report(r: dict) -> None:
    imports, tiles, pages = r["imports"], r["tiles"], r["pages"]
    print()
    print(f"Layers benchmark: {r['parcels']:,} synthetic parcels, {r['machine']['cpus']} CPUs")
    print()
    print(table(
        [("platform importer (all checks)", imports["rows"], imports["platform_seconds"],
          imports["platform_rows_per_s"]),
         ("ogr2ogr -f PostgreSQL", imports["rows"], imports["ogr2ogr_seconds"],
          imports["ogr2ogr_rows_per_s"]),
         ("platform OSM import (Helsinki, 3 layers)", imports["osm_rows"], imports["osm_seconds"],
          round(imports["osm_rows"] / imports["osm_seconds"]))],
        ("(a) import", "rows", "seconds", "rows/s"),
    ))  # fmt: skip
    print()
    print(table(
        [(name, v["requests"], v["errors"], v["kB_avg"], v["per_second"], v["p95_ms"])
         for name, v in tiles.items()],
        ("(b) tiles z13-16, 64 tiles", "requests", "errors", "kB/tile", "tiles/s", "p95 ms"),
    ))  # fmt: skip
    print()
    print(table(
        [(name, v["requests"], v["errors"], v["kB_avg"], v["per_second"], v["p95_ms"])
         for name, v in pages.items()],
        ("(c) items pages, limit=1000", "requests", "errors", "kB/page", "pages/s", "p95 ms"),
    ))  # fmt: skip
    cold, warm = tiles["platform_cold"]["per_second"], tiles["platform_warm"]["per_second"]
    ceiling, peer = tiles["ceiling"]["per_second"], tiles["tipg"]["per_second"]
    checks = [
        ("import at least as fast as ogr2ogr",
         imports["platform_rows_per_s"] / imports["ogr2ogr_rows_per_s"], 1.0),
        ("cold tiles / ceiling", cold / ceiling, 0.8),
        ("cold tiles / tipg", cold / peer, 2.0),
        ("warm tiles / ceiling", warm / ceiling, 10.0),
        ("pages / tipg", pages["platform"]["per_second"] / pages["tipg"]["per_second"], 2.0),
    ]  # fmt: skip
    print()
    print(table(
        [(name, f"{ratio:.2f}x", f"{target:.1f}x", "met" if ratio >= target else "MISSED")
         for name, ratio, target in checks],
        ("target", "measured", "wanted", ""),
    ))  # fmt: skip
    r["targets"] = {name: round(ratio, 2) for name, ratio, _ in checks}


if __name__ == "__main__":
    main()
