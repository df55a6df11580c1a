"""Routing benchmark: routes and matrices against pgRouting and Valhalla, in the same run.

    ./platform bench routing_bench [--routes 200] [--grid 224]

On a fresh benchmark database (made by ./platform bench) it loads two street networks into the
register and builds the routing graph:

  - Helsinki: the real OpenStreetMap extract in data/osm (named streets, through the register's
    OpenStreetMap importer);
  - a synthetic city (labelled synthetic): a 224 x 224 grid of streets with jittered crossings,
    about 100,000 edges, one street in ten one-way, one in eight a faster road.

and measures, on the same node pairs for every engine:

  (a) point-to-point routes: ms per route for the platform (in process: snapping, A*, the
      route's line), ``pgr_dijkstra`` on the same ``routing_edge`` table (the city's edges),
      ``pgr_trsp`` with the city's turn restrictions (Helsinki's, from OpenStreetMap), and
      Valhalla (PyPI ``pyvalhalla``, Python 3.12 from pyenv, tiles built from the same
      streets: the real extract, and the synthetic city written as OpenStreetMap); the
      platform's route costs are checked equal to pgRouting's exact Dijkstra (where the city
      has turn restrictions, to an exact Dijkstra over crossings and the street arrived by,
      and compared with ``pgr_trsp``, which never allows a U-turn);
  (b) a 50 x 50 travel-time matrix (median of 3): the platform (on its contraction hierarchy,
      whose one-off build per graph and metric is timed apart), pgRouting's
      ``pgr_dijkstraCostMatrix`` and Valhalla's ``sources_to_targets``.

Valhalla prices streets with its own model (speeds, turns), so its routes are timed, not
compared for cost. It prints figures and writes .local/bench/routing_results.json; it asserts
nothing.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon  # noqa: E402
from django.db import connection  # noqa: E402

from addressing.imports import osm_addresses_import  # noqa: E402
from addressing.models import Street  # noqa: E402
from bench.common import WORK, table  # noqa: E402
from boundaries.models import Governorate, Municipality, Region  # noqa: E402
from routing.engines import router  # noqa: E402
from routing.selectors import router_warm  # noqa: E402
from routing.services import routing_graph_build  # noqa: E402

HELSINKI = Path(settings.BASE_DIR) / "data" / "osm" / "helsinki.osm.pbf"
PYENV_312 = Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python"
VALHALLA_VERSION = "3.9.1"
GRID_ORIGIN = (10.0, 45.0)  # far from any real data: a synthetic city in its own place
GRID_STEP = 0.0012  # degrees: about 95 m east-west, 130 m north-south at 45° N


def region_for(slug: str, box: tuple[float, float, float, float], name: str) -> Municipality:
    area = MultiPolygon(Polygon.from_bbox(box), srid=4326)
    region, _ = Region.objects.get_or_create(
        pcode="XX", defaults={"name_en": "Outside Palestine (benchmark data)", "geom": area}
    )
    governorate = Governorate.objects.create(
        pcode=f"XX-{slug}"[:10], name_en=name, region=region, geom=area
    )
    return Municipality.objects.create(
        slug=slug, name_en=name, name_ar=name, governorate=governorate, geom=area
    )


def grid_nodes(size: int, seed: int = 5) -> np.ndarray:
    """Crossing positions (lon, lat) of a size x size grid, each moved by up to a quarter of
    the spacing so that no two routes cost the same."""
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    lon = GRID_ORIGIN[0] + j * GRID_STEP + rng.uniform(-0.25, 0.25, (size, size)) * GRID_STEP
    lat = GRID_ORIGIN[1] + i * GRID_STEP + rng.uniform(-0.25, 0.25, (size, size)) * GRID_STEP
    return np.stack([lon, lat], axis=-1)


def grid_streets(size: int) -> list[dict]:
    """Rows then columns: each street's crossings, kind and one-way flag."""
    rng = random.Random(11)
    streets = []
    for axis in ("row", "col"):
        for k in range(size):
            streets.append(
                {
                    "name": f"Synthetic {axis} {k}",
                    "axis": axis,
                    "index": k,
                    "road": k % 8 == 0,
                    "oneway": rng.random() < 0.1,
                }
            )
    return streets


def load_grid(size: int) -> tuple[Municipality, np.ndarray, list[dict]]:
    nodes = grid_nodes(size)
    margin = GRID_STEP * 2
    box = (
        nodes[..., 0].min() - margin, nodes[..., 1].min() - margin,
        nodes[..., 0].max() + margin, nodes[..., 1].max() + margin,
    )  # fmt: skip
    town = region_for("synthetic-grid", box, "Synthetic grid city (benchmark)")
    streets = grid_streets(size)
    rows = []
    for n, street in enumerate(streets):
        line = (
            nodes[street["index"], :, :]
            if street["axis"] == "row"
            else nodes[:, street["index"], :]
        )
        rows.append(
            Street(
                municipality=town,
                code=f"SYN-{n:05d}",
                name_ar=street["name"],
                name_en=street["name"],
                street_type="road" if street["road"] else "street",
                oneway="forward" if street["oneway"] else "no",
                geom=LineString([tuple(p) for p in line], srid=4326),
                is_synthetic=True,
            )
        )
    Street.objects.bulk_create(rows, batch_size=200)
    return town, nodes, streets


def write_grid_pbf(path: Path, nodes: np.ndarray, streets: list[dict]) -> None:
    """The synthetic city as OpenStreetMap, for Valhalla: crossings are shared nodes."""
    import osmium

    size = nodes.shape[0]
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        for i in range(size):
            for j in range(size):
                writer.add_node(
                    osmium.osm.mutable.Node(
                        id=i * size + j + 1, location=(float(nodes[i, j, 0]), float(nodes[i, j, 1]))
                    )
                )
        for n, street in enumerate(streets):
            k = street["index"]
            refs = (
                [k * size + j + 1 for j in range(size)]
                if street["axis"] == "row"
                else [i * size + k + 1 for i in range(size)]
            )
            tags = {
                "highway": "primary" if street["road"] else "residential",
                "name": street["name"],
                "maxspeed": "50" if street["road"] else "40",
            }
            if street["oneway"]:
                tags["oneway"] = "yes"
            writer.add_way(osmium.osm.mutable.Way(id=n + 1, nodes=refs, tags=tags))
    finally:
        writer.close()


def valhalla_python() -> Path:
    venv = WORK / "valhalla-venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "valhalla_build_tiles").exists():
        print(f"installing the peer pyvalhalla {VALHALLA_VERSION} (Python 3.12) ...", flush=True)
        subprocess.run([str(PYENV_312), "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"pyvalhalla=={VALHALLA_VERSION}"],
            check=True,
        )
    return python


def valhalla_tiles(name: str, pbf: Path) -> Path:
    python = valhalla_python()
    folder = WORK / f"valhalla-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": f"{python.parent}:{os.environ['PATH']}"}
    config = folder / "valhalla.json"
    with config.open("w") as out:
        subprocess.run(
            [str(python.parent / "valhalla_build_config"), "--mjolnir-tile-dir", str(folder / "tiles")],
            stdout=out, env=env, check=True,
        )  # fmt: skip
    began = time.perf_counter()
    subprocess.run(
        [str(python.parent / "valhalla_build_tiles"), "-c", str(config), str(pbf)],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"  Valhalla tiles for {name} in {time.perf_counter() - began:.1f} s", flush=True)
    return config


VALHALLA_SCRIPT = r"""
import json, sys, time
from valhalla import Actor
config, pairs_file, matrix_file = sys.argv[1:4]
actor = Actor(config)
pairs = json.load(open(pairs_file))
def loc(p):
    return {"lon": p[0], "lat": p[1], "radius": 1}
for a, b in pairs:  # warm up on the first pair Valhalla can route
    try:
        actor.route({"locations": [loc(a), loc(b)], "costing": "auto", "directions_type": "none"})
        break
    except Exception:
        continue
times, failed = [], 0
for a, b in pairs:
    began = time.perf_counter()
    try:
        actor.route({"locations": [loc(a), loc(b)], "costing": "auto", "directions_type": "none"})
    except Exception:
        failed += 1
        continue
    times.append(time.perf_counter() - began)
points = json.load(open(matrix_file))
matrices = []
for _ in range(int(sys.argv[4])):
    began = time.perf_counter()
    actor.matrix({"sources": [loc(p) for p in points], "targets": [loc(p) for p in points],
                  "costing": "auto"})
    matrices.append(time.perf_counter() - began)
print(json.dumps({"route_s": times, "failed": failed, "matrix_s": sorted(matrices)[len(matrices) // 2]}))
"""


def run_valhalla(config: Path, pairs: list, points: list) -> dict:
    python = valhalla_python()
    pairs_file, matrix_file = WORK / "routing-pairs.json", WORK / "routing-matrix.json"
    pairs_file.write_text(json.dumps(pairs))
    matrix_file.write_text(json.dumps(points))
    done = subprocess.run(
        [str(python), "-c", VALHALLA_SCRIPT, str(config), str(pairs_file), str(matrix_file),
         str(MATRIX_RUNS)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def city_edges_sql(box) -> str:
    # pgRouting takes its edges as SQL text; the box is four floats of this script's own.
    west, south, east, north = (float(v) for v in box)
    return (
        "SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost "  # noqa: S608
        f"FROM routing_edge WHERE geom && ST_MakeEnvelope({west}, {south}, {east}, {north}, 4326)"
    )


MATRIX_RUNS = 3  # each engine's 50 x 50 matrix is timed this many times: the median is reported
# A banned turn priced beyond any real route: pgr_trsp takes restrictions as costs.
BANNED = 1e9


def city_turns_sql(box) -> str:
    """The city's turn restrictions as pgr_trsp reads them: each banned pair of edges (an
    ``only`` restriction bans every other way on from its crossing, as the platform does)."""
    west, south, east, north = (float(v) for v in box)
    inside = f"n.geom && ST_MakeEnvelope({west}, {south}, {east}, {north}, 4326)"
    return f"""
        SELECT row_number() OVER () AS id, path, {BANNED}::float8 AS cost FROM (
            SELECT ARRAY[t.from_edge_id, t.to_edge_id] AS path
            FROM routing_turn t JOIN routing_node n ON n.id = t.via_id
            WHERE t.kind = 'no' AND {inside}
            UNION ALL
            SELECT ARRAY[t.from_edge_id, e.id]
            FROM routing_turn t JOIN routing_node n ON n.id = t.via_id
            JOIN routing_edge e ON t.via_id IN (e.source, e.target) AND e.id <> t.to_edge_id
            WHERE t.kind = 'only' AND {inside}
        ) banned"""  # noqa: S608 - built from this script's own floats


def turn_aware_dijkstra(box):
    """An exact reference for a city with turn restrictions: plain Dijkstra over (crossing,
    street piece arrived by), with the platform's rules (a U-turn at a crossing is allowed;
    ``only`` bans every other way on). pgr_trsp never turns back at a crossing, so where a
    U-turn is the legal way round a banned turn it finds a dearer route, or none."""
    west, south, east, north = (float(v) for v in box)
    inside = f"ST_MakeEnvelope({west}, {south}, {east}, {north}, 4326)"
    adjacent: dict[int, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, source, target, cost_s, reverse_cost_s FROM routing_edge WHERE geom && {inside}"  # noqa: S608
        )
        for edge, source, target, cost, reverse in cursor.fetchall():
            if cost >= 0:
                adjacent.setdefault(source, []).append((edge, target, cost))
            if reverse >= 0:
                adjacent.setdefault(target, []).append((edge, source, reverse))
        cursor.execute(
            f"""SELECT t.via_id, t.from_edge_id, t.to_edge_id FROM routing_turn t
            JOIN routing_node n ON n.id = t.via_id WHERE t.kind = 'no' AND n.geom && {inside}
            UNION ALL
            SELECT t.via_id, t.from_edge_id, e.id FROM routing_turn t
            JOIN routing_node n ON n.id = t.via_id
            JOIN routing_edge e ON t.via_id IN (e.source, e.target) AND e.id <> t.to_edge_id
            WHERE t.kind = 'only' AND n.geom && {inside}"""  # noqa: S608
        )
        banned = set(cursor.fetchall())

    def cost(a: int, b: int) -> float | None:
        dist, heap = {(a, None): 0.0}, [(0.0, a, None)]
        while heap:
            d, node, arrived_by = heapq.heappop(heap)
            if node == b:
                return d
            if d > dist[(node, arrived_by)]:
                continue
            for edge, head, c in adjacent.get(node, ()):
                if (node, arrived_by, edge) in banned:
                    continue
                if d + c < dist.get((head, edge), math.inf):
                    dist[(head, edge)] = d + c
                    heapq.heappush(heap, (d + c, head, edge))
        return None

    return cost


def measure_city(name: str, box, pbf: Path, routes: int, seed: int) -> dict:
    print(f"({name}) routes and a matrix", flush=True)
    graph = router().graph()
    crossing = graph.origin == np.arange(len(graph.origin))  # not a copy at a restricted turn
    inside = np.flatnonzero(
        crossing
        & (graph.lons >= box[0])
        & (graph.lons <= box[2])
        & (graph.lats >= box[1])
        & (graph.lats <= box[3])
    )
    rng = random.Random(seed)
    picks = [(int(rng.choice(inside)), int(rng.choice(inside))) for _ in range(routes)]

    def point(i: int) -> Point:
        return Point(float(graph.lons[i]), float(graph.lats[i]), srid=4326)

    # The platform, in process (as a web request or a job calls it).
    engine = router()
    router_warm()  # the graph loaded and the kernels compiled before anything is timed
    ours, costs = [], []
    for a, b in picks:
        began = time.perf_counter()
        try:
            found = engine.route(origin=point(a), destination=point(b))
        except Exception:  # a benchmark counts what it cannot route, it does not stop
            costs.append(None)
            continue
        ours.append(time.perf_counter() - began)
        costs.append(found.cost)
    # pgRouting on the same table (the city's edges), node to node: pgr_dijkstra, and where the
    # city has turn restrictions also pgr_trsp with them; the costs are checked against
    # pgr_dijkstra, or where there are turn restrictions against an exact turn-aware Dijkstra.
    edges_sql, turns_sql = city_edges_sql(box), city_turns_sql(box)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({turns_sql}) t")  # noqa: S608 - our own SQL
        banned_pairs = cursor.fetchone()[0]
    reference = turn_aware_dijkstra(box) if banned_pairs else None
    pgr, trsp, mismatches, checked, trsp_equal, trsp_checked = [], [], 0, 0, 0, 0
    with connection.cursor() as cursor:
        for (a, b), cost in zip(picks, costs, strict=True):
            began = time.perf_counter()
            cursor.execute(
                "SELECT coalesce(max(agg_cost), 0), count(*) FROM pgr_dijkstra(%s, %s, %s, true)",
                [edges_sql, int(graph.node_ids[a]), int(graph.node_ids[b])],
            )
            exact, steps = cursor.fetchone()
            exact = exact if steps else None
            pgr.append(time.perf_counter() - began)
            if banned_pairs:
                began = time.perf_counter()
                cursor.execute(
                    "SELECT coalesce(max(agg_cost), 0), count(*) "
                    "FROM pgr_trsp(%s, %s, %s::bigint, %s::bigint, true)",
                    [edges_sql, turns_sql, int(graph.node_ids[a]), int(graph.node_ids[b])],
                )
                by_trsp, steps = cursor.fetchone()
                trsp.append(time.perf_counter() - began)
                if cost is not None and steps and by_trsp < BANNED:
                    trsp_checked += 1
                    trsp_equal += abs(by_trsp - cost) <= 1e-6 * max(1.0, by_trsp)
                exact = reference(int(graph.node_ids[a]), int(graph.node_ids[b]))
            if a == b or (exact is None and cost is None):
                continue
            checked += 1
            if exact is None or cost is None or abs(exact - cost) > 1e-6 * max(1.0, exact):
                mismatches += 1
    # Matrices of 50 points.
    points = [p for pair in picks[:25] for p in pair]
    engine.matrix(points=[point(i) for i in points[:3]])  # the compiled kernel, loaded
    ours_matrix, pgr_matrix = [], []
    for _ in range(MATRIX_RUNS):
        began = time.perf_counter()
        engine.matrix(points=[point(i) for i in points])
        ours_matrix.append(time.perf_counter() - began)
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute(
                "SELECT count(*) FROM pgr_dijkstraCostMatrix(%s, %s, true)",
                [edges_sql, [int(graph.node_ids[i]) for i in set(points)]],
            )
            pgr_matrix.append(time.perf_counter() - began)
    ours_matrix, pgr_matrix = statistics.median(ours_matrix), statistics.median(pgr_matrix)
    config = valhalla_tiles(name, pbf)
    lonlat = [[float(graph.lons[i]), float(graph.lats[i])] for i in range(len(graph.lons))]
    valhalla = run_valhalla(
        config, [[lonlat[a], lonlat[b]] for a, b in picks], [lonlat[i] for i in points]
    )

    def ms(values):
        values = sorted(values)
        if not values:
            return {"mean_ms": None, "p95_ms": None, "routes": 0}
        return {
            "mean_ms": round(statistics.fmean(values) * 1000, 2),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))] * 1000, 2),
            "routes": len(values),
        }

    return {
        "nodes": len(inside),
        "edges": int(((graph.lons[graph.sources] >= box[0]) & (graph.lons[graph.sources] <= box[2])
                      & (graph.lats[graph.sources] >= box[1]) & (graph.lats[graph.sources] <= box[3])).sum()),
        "platform": {**ms(ours), "failed": routes - len(ours)},
        "pgrouting": ms(pgr),
        "pgr_trsp": {**ms(trsp), "banned_pairs": banned_pairs},
        "valhalla": {**ms(valhalla["route_s"]), "failed": valhalla["failed"]},
        "exact": {
            "checked": checked,
            "mismatches": mismatches,
            "against": "a turn-aware Dijkstra" if banned_pairs else "pgr_dijkstra",
            "pgr_trsp_equal": f"{trsp_equal}/{trsp_checked}",
        },
        "matrix_50_ms": {
            "platform": round(ours_matrix * 1000, 1),
            "pgrouting": round(pgr_matrix * 1000, 1),
            "valhalla": round(valhalla["matrix_s"] * 1000, 1),
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument(
        "--grid", type=int, default=224, help="streets each way (224: ~100,000 edges)"
    )
    args = parser.parse_args()
    print("loading Helsinki (OpenStreetMap) and the synthetic grid city ...", flush=True)
    helsinki_box = (24.93, 60.16, 24.96, 60.18)
    helsinki = region_for("helsinki", helsinki_box, "Helsinki")
    osm_addresses_import(path=HELSINKI, municipality=helsinki, code_prefix="HEL")
    _town, nodes, streets = load_grid(args.grid)
    grid_pbf = WORK / "synthetic-grid.osm.pbf"
    write_grid_pbf(grid_pbf, nodes, streets)
    began = time.perf_counter()
    build = routing_graph_build()
    print(
        f"  graph: {build.nodes:,} nodes, {build.edges:,} edges in {time.perf_counter() - began:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE routing_edge")
    # The matrices use the contraction hierarchy, built once per graph and metric in a thread
    # the first matrix starts: timed here on its own, so the matrices below find it ready.
    engine, hierarchy_s = router(), {}
    for metric in ("fastest", "shortest"):
        began = time.perf_counter()
        engine.hierarchy(engine.graph(), metric, wait=True)
        hierarchy_s[metric] = round(time.perf_counter() - began, 1)
    print(f"  contraction hierarchies (s): {hierarchy_s}", flush=True)
    grid_box = (
        float(nodes[..., 0].min()) - 1e-6, float(nodes[..., 1].min()) - 1e-6,
        float(nodes[..., 0].max()) + 1e-6, float(nodes[..., 1].max()) + 1e-6,
    )  # fmt: skip
    results = {
        "machine": {"cpus": os.cpu_count()},
        "graph": {
            "nodes": build.nodes,
            "edges": build.edges,
            "build_s": round(build.seconds, 1),
            "hierarchy_s": hierarchy_s,
        },
        "helsinki": measure_city("helsinki", helsinki_box, HELSINKI, args.routes, 1),
        "synthetic": measure_city("synthetic", grid_box, grid_pbf, args.routes, 2),
    }
    report(results)
    (WORK / "routing_results.json").write_text(json.dumps(results, indent=2))


def report(r: dict) -> None:
    print()
    print(
        f"Routing benchmark: graph of {r['graph']['nodes']:,} nodes and {r['graph']['edges']:,} "
        f"edges built in {r['graph']['build_s']} s, {r['machine']['cpus']} CPUs; contraction "
        f"hierarchies for matrices built in {r['graph']['hierarchy_s']} s"
    )
    for city in ("helsinki", "synthetic"):
        c = r[city]
        print()
        print(f"{city}: {c['nodes']:,} nodes, {c['edges']:,} edges, "
              f"{c['pgr_trsp']['banned_pairs']} banned turn pairs; exact: "
              f"{c['exact']['checked'] - c['exact']['mismatches']}/{c['exact']['checked']} "
              f"route costs (and no-routes) equal to {c['exact']['against']}; "
              f"equal to pgr_trsp: {c['exact']['pgr_trsp_equal']}")  # fmt: skip
        engines = ["platform", "pgrouting", "pgr_trsp", "valhalla"]
        print(table(
            [(engine, c[engine]["routes"], c[engine]["mean_ms"], c[engine]["p95_ms"],
              c["matrix_50_ms"].get(engine)) for engine in engines],
            ("engine", "routes", "ms/route mean", "p95", "50x50 matrix ms"),
        ))  # fmt: skip


if __name__ == "__main__":
    main()
