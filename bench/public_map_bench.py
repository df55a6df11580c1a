"""Public map benchmark: the basemap's tiles against tipg, and the map page's first render.

    ./platform bench public_map_bench [--clients 4] [--rounds 3] [--loads 10]

On a fresh benchmark database (made by ./platform bench) it loads the reference data and the
synthetic demo city (13,000 buildings with footprints, labelled synthetic), derives the
basemap's blocks, and measures with the platform served as deployed (gunicorn, DEBUG off,
compressed static files):

  (a) basemap tiles/s and p95 over 64 tiles at z13-z16 of the city with 4 concurrent
      clients: the platform cold (cache emptied before each round) and warm; against tipg
      serving the same streets and building footprints from the same tables. The platform
      answers one request per tile with every layer; a client of tipg needs one request per
      table, so tipg's row counts both requests of each tile as one tile;
  (b) the map page's first render in headless Chromium (a fresh browser context each time,
      so nothing is cached): time from navigation to every visible basemap tile drawn, and
      the JavaScript and CSS transferred (compressed), in Arabic and in English.

It prints figures and writes .local/bench/public_map_results.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
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
    split,
    table,
    tipg_python,
    warm_up,
)
from boundaries.selectors import municipality_current  # noqa: E402

TILES_DIR = WORK / "public-map-tiles"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def load_data() -> None:
    print("loading the reference data and the synthetic demo city ...", flush=True)
    for command in ("load_reference_data", "load_demo_city", "basemap_refresh"):
        call_command(command)
    call_command("collectstatic", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure_tiles(tiles, clients: int, rounds: int, ours: str, tipg: str) -> dict:
    print("(a) basemap tiles", flush=True)
    urls = [f"{ours}/basemap/{z}/{x}/{y}.mvt" for z, x, y in tiles]
    warm_up(urls)
    cold = []
    for round_number in range(rounds):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_cachedtile WHERE collection = 'basemap'")
        shutil.rmtree(TILES_DIR, ignore_errors=True)
        cold.append(run_http_load(split(urls, clients, seed=round_number)))
    results = {"platform_cold": figures(merged(cold))}
    run_http_load([urls])
    results["platform_warm"] = figures(run_http_load(split(urls, clients, rounds=rounds)))
    # tipg: the streets and the footprints, two requests per tile; one "tile" below is both.
    base = f"{tipg}/collections/public.{{}}/tiles/WebMercatorQuad/{{}}/{{}}/{{}}"
    pairs = [
        [
            base.format("addressing_street", z, x, y) + "?geom-column=geom",
            base.format("addressing_building", z, x, y) + "?geom-column=footprint",
        ]
        for z, x, y in tiles
    ]
    warm_up([u for pair in pairs for u in pair])
    flat = [u for pair in pairs for u in pair]
    load = run_http_load(split(flat, clients, rounds=rounds))
    row = figures(load)
    row["per_second"] = round(load.per_second / 2, 1)  # tiles, not requests
    row["note"] = "2 requests per tile (streets, footprints)"
    results["tipg"] = row
    return results


def measure_first_render(base: str, loads: int) -> dict:
    print("(b) first render of the map page", flush=True)
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"],
        )  # fmt: skip
        for lang in ("ar", "en"):
            times, payloads = [], []
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=lang)
                page = context.new_page()
                began = time.perf_counter()
                page.goto(f"{base}/{lang}/map/")
                page.wait_for_selector("#public-map[data-ready='true']", timeout=60_000)
                times.append(time.perf_counter() - began)
                payloads.append(
                    page.evaluate(
                        # Scripts and style sheets only (fonts are loaded by CSS too, and
                        # only the glyph ranges a page uses): what the budget counts.
                        "performance.getEntriesByType('resource')"
                        ".filter(e => /\\.(js|css)$/.test(new URL(e.name).pathname))"
                        ".reduce((sum, e) => sum + e.encodedBodySize, 0)"
                    )
                )
                context.close()
            results[lang] = {
                "loads": loads,
                "median_s": round(statistics.median(times), 2),
                "max_s": round(max(times), 2),
                "js_css_kB": round(max(payloads) / 1024),
            }
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="server processes, both servers")
    args = parser.parse_args()
    load_data()
    tiles = pick_tiles(municipality_current().geom.extent)
    ours_port, tipg_port = free_port(), free_port()
    ours, tipg = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{tipg_port}"
    env = {**os.environ, "DJANGO_DEBUG": "false", "TILE_CACHE": "files",
           "TILE_CACHE_DIR": str(TILES_DIR)}  # fmt: skip
    p = database_params()
    tipg_env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{p['dbname']}"
        "?max_parallel_workers_per_gather=0",
        "TIPG_DB_TABLES": '["public.addressing_street", "public.addressing_building"]',
        "TIPG_MAX_FEATURES_PER_TILE": "10000000",
        "TIPG_TILE_BUFFER": "64",
    }
    tipg_bin = tipg_python()
    results: dict = {"machine": {"cpus": os.cpu_count()}}
    with (
        Server(
            [str(VENV_BIN / "gunicorn"), "gis_project.wsgi:application", f"--bind=127.0.0.1:{ours_port}",
             f"--workers={args.workers}", "--no-control-socket", "--timeout=300",
             "--worker-class=gthread", "--threads=2", "--keep-alive=30", "--preload"],
            env=env, ready_url=f"{ours}/healthz", log=WORK / "bench-public-map-gunicorn.log",
        ),
        Server(
            [str(tipg_bin / "uvicorn"), "tipg.main:app", "--port", str(tipg_port),
             "--workers", str(args.workers), "--log-level", "warning"],
            env=tipg_env, ready_url=f"{tipg}/collections", log=WORK / "bench-public-map-tipg.log",
        ),
    ):  # fmt: skip
        results["tiles"] = measure_tiles(tiles, args.clients, args.rounds, ours, tipg)
        results["first_render"] = measure_first_render(ours, args.loads)
    report(results)
    (WORK / "public_map_results.json").write_text(json.dumps(results, indent=2))


def report(r: dict) -> None:
    print()
    print(f"Public map benchmark: synthetic demo city, {r['machine']['cpus']} CPUs")
    print()
    print(table(
        [(name, v["requests"], v["errors"], v["kB_avg"], v["per_second"], v["p95_ms"])
         for name, v in r["tiles"].items()],
        ("(a) basemap tiles z13-16", "requests", "errors", "kB avg", "tiles/s", "p95 ms"),
    ))  # fmt: skip
    print()
    print(table(
        [(lang, v["loads"], v["median_s"], v["max_s"], v["js_css_kB"])
         for lang, v in r["first_render"].items()],
        ("(b) map page first render", "loads", "median s", "max s", "JS+CSS kB (compressed)"),
    ))  # fmt: skip


if __name__ == "__main__":
    main()
