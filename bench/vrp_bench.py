"""Round-planning benchmark: pyvroom, PyVRP and OR-Tools on the standard instances.

    ./platform bench vrp_bench [--budget 10] [--max-customers 256] [--only X-n101,C101] [--jobs 2]

Reads the CVRPLIB "X" instances (Uchoa et al. 2017) with at most ``--max-customers`` customers
and the Solomon VRPTW instances (1987) from ../shared/data/vrp (never copied into the project)
and solves each with the three solvers the platform could plan rounds with, in their own
virtual environment under .local/bench (never platform dependencies):

  - pyvroom (VROOM): exploration level 5, one thread (it has no time budget: its time is
    reported);
  - PyVRP (hybrid genetic search): stopped after ``--budget`` seconds;
  - OR-Tools routing: cheapest arc, then guided local search, ``--budget`` seconds.

Distances are Euclidean: rounded to integers for X (the CVRPLIB convention), kept to 0.01 for
Solomon (scaled by 100 for the solvers, which work in integers); each solution's cost is
recomputed from its routes. The gap is to the best known solution in BKS.json. Solomon's best
known solutions minimise the number of vehicles first, then distance: each Solomon instance is
solved with the fleet its best known solution used (``solved_with_vehicles``), so that its
distance is comparable (``--full-fleet`` gives every solver the instance's 25 vehicles, which
lets distance fall below the best known at the price of more vehicles). It prints figures and
writes .local/bench/vrp_results.json; it asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_WORK_DIR", ROOT / ".local" / "bench"))
VRP_DATA = Path(os.environ.get("VRP_DATA", ROOT.parent / "shared" / "data" / "vrp"))
PEERS = ["pyvroom==1.15.2", "pyvrp==0.14.1", "ortools==9.15.6755"]
SOLOMON_SCALE = 100


# -- instances -------------------------------------------------------------------------------


def read_cvrp(path: Path) -> dict:
    lines = path.read_text().splitlines()
    coords, demands, section, capacity = {}, {}, None, 0
    for line in lines:
        head = line.split(":")[0].strip()
        if head == "CAPACITY":
            capacity = int(line.split(":")[1])
        elif head in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
            section = head
        elif head == "EOF":
            break
        elif section == "NODE_COORD_SECTION" and line.strip():
            i, x, y = line.split()
            coords[int(i)] = (float(x), float(y))
        elif section == "DEMAND_SECTION" and line.strip():
            i, d = line.split()
            demands[int(i)] = int(d)
    ids = sorted(coords)
    points = [coords[i] for i in ids]
    n = len(points)
    matrix = [[round(math.dist(points[a], points[b])) for b in range(n)] for a in range(n)]
    return {
        "name": path.stem,
        "kind": "cvrp",
        "matrix": matrix,
        "demand": [demands[i] for i in ids],
        "capacity": capacity,
        "vehicles": n - 1,  # the fleet is not limited in the X set
        "windows": None,
        "service": [0] * n,
        "scale": 1,
    }


def read_solomon(path: Path) -> dict:
    lines = [line.split() for line in path.read_text().splitlines()]
    vehicles, capacity = (int(v) for v in lines[4][:2])
    rows = [row for row in lines[9:] if len(row) == 7]
    points = [(float(r[1]), float(r[2])) for r in rows]
    n = len(points)
    s = SOLOMON_SCALE
    matrix = [[round(math.dist(points[a], points[b]) * s) for b in range(n)] for a in range(n)]
    return {
        "name": path.stem,
        "kind": "vrptw",
        "matrix": matrix,
        "demand": [int(r[3]) for r in rows],
        "capacity": capacity,
        "vehicles": vehicles,
        "windows": [(int(r[4]) * s, int(r[5]) * s) for r in rows],
        "service": [int(r[6]) * s for r in rows],
        "scale": s,
    }


def route_cost(instance: dict, routes: list[list[int]]) -> float:
    m = instance["matrix"]
    total = 0
    for route in routes:
        stops = [0, *route, 0]
        total += sum(m[a][b] for a, b in itertools.pairwise(stops))
    return total / instance["scale"]


def feasible(instance: dict, routes: list[list[int]]) -> bool:
    """Every customer once, capacity and time windows kept."""
    seen = sorted(c for r in routes for c in r)
    if seen != list(range(1, len(instance["demand"]))):
        return False
    if len(routes) > instance["vehicles"]:
        return False
    for route in routes:
        if sum(instance["demand"][c] for c in route) > instance["capacity"]:
            return False
        if instance["windows"]:
            t, here = instance["windows"][0][0], 0
            for c in [*route, 0]:
                t = max(t + instance["matrix"][here][c], instance["windows"][c][0])
                if t > instance["windows"][c][1]:
                    return False
                t += instance["service"][c]
                here = c
    return True


# -- solvers ---------------------------------------------------------------------------------


def solve_vroom(instance: dict, budget: float) -> list[list[int]]:
    import vroom

    problem = vroom.Input()
    problem.set_durations_matrix("car", instance["matrix"])
    for v in range(instance["vehicles"]):
        windows = instance["windows"]
        problem.add_vehicle(
            vroom.Vehicle(
                v + 1, start=0, end=0, capacity=[instance["capacity"]],
                time_window=vroom.TimeWindow(*windows[0]) if windows else None,
            )
        )  # fmt: skip
    for c in range(1, len(instance["demand"])):
        windows = instance["windows"]
        problem.add_job(
            vroom.Job(
                c, location=c, delivery=[instance["demand"][c]], default_service=instance["service"][c],
                time_windows=[vroom.TimeWindow(*windows[c])] if windows else [],
            )
        )  # fmt: skip
    solution = problem.solve(exploration_level=5, nb_threads=1)
    routes: dict[int, list[int]] = {}
    for row in solution.routes.itertuples():
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values())


def solve_pyvrp(instance: dict, budget: float) -> list[list[int]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    model = Model()
    windows = instance["windows"]
    n = len(instance["demand"])
    locations = [model.add_location(x=0, y=0) for _ in range(n)]
    model.add_depot(
        locations[0], **({"tw_early": windows[0][0], "tw_late": windows[0][1]} if windows else {})
    )
    model.add_vehicle_type(
        num_available=instance["vehicles"], capacity=instance["capacity"],
        **({"tw_early": windows[0][0], "tw_late": windows[0][1]} if windows else {}),
    )  # fmt: skip
    for c in range(1, n):
        extra = {"tw_early": windows[c][0], "tw_late": windows[c][1]} if windows else {}
        model.add_client(
            locations[c], delivery=instance["demand"][c], service_duration=instance["service"][c],
            **extra,
        )  # fmt: skip
    for a in range(n):
        for b in range(n):
            if a != b:
                model.add_edge(locations[a], locations[b], distance=instance["matrix"][a][b],
                               duration=instance["matrix"][a][b])  # fmt: skip
    result = model.solve(stop=MaxRuntime(budget), display=False, collect_stats=False)
    # Client activities are numbered among the clients (0-based); customers from 1.
    return [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]


def solve_ortools(instance: dict, budget: float) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(instance["demand"])
    manager = pywrapcp.RoutingIndexManager(n, instance["vehicles"], 0)
    routing = pywrapcp.RoutingModel(manager)
    matrix = instance["matrix"]

    def distance(i, j):
        return matrix[manager.IndexToNode(i)][manager.IndexToNode(j)]

    transit = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitCallback(
        lambda i: instance["demand"][manager.IndexToNode(i)]
    )
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [instance["capacity"]] * instance["vehicles"], True, "load"
    )
    if instance["windows"]:
        service = instance["service"]

        def travel(i, j):
            a, b = manager.IndexToNode(i), manager.IndexToNode(j)
            return matrix[a][b] + service[a]

        time_cb = routing.RegisterTransitCallback(travel)
        horizon = instance["windows"][0][1]
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        dimension = routing.GetDimensionOrDie("time")
        for c in range(1, n):
            dimension.CumulVar(manager.NodeToIndex(c)).SetRange(*instance["windows"][c])
        for v in range(instance["vehicles"]):
            dimension.CumulVar(routing.Start(v)).SetRange(*instance["windows"][0])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(budget * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for v in range(instance["vehicles"]):
        index, route = routing.Start(v), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node)
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


SOLVERS = {"pyvroom": solve_vroom, "pyvrp": solve_pyvrp, "ortools": solve_ortools}


def run_one(task: tuple[str, str, float, float, int | None]) -> dict:
    path, solver, budget, bks, vehicles = task
    instance = read_solomon(Path(path)) if path.endswith(".txt") else read_cvrp(Path(path))
    if vehicles:
        instance["vehicles"] = vehicles
    began = time.perf_counter()
    try:
        routes = SOLVERS[solver](instance, budget)
        error = None
    except Exception as exc:  # a benchmark reports a solver's failure, it does not stop
        routes, error = [], f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - began
    ok = bool(routes) and feasible(instance, routes)
    cost = route_cost(instance, routes) if ok else None
    return {
        "instance": instance["name"],
        "set": instance["kind"],
        "solver": solver,
        "seconds": round(seconds, 2),
        "feasible": ok,
        "cost": cost,
        "vehicles": len(routes),
        "gap_pct": round((cost - bks) / bks * 100, 3) if cost is not None else None,
        "error": error,
    }


# -- the run ---------------------------------------------------------------------------------


def peer_python() -> Path:
    venv = WORK / "vrp-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing the peers {', '.join(PEERS)} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    return python


def tasks(args) -> list[tuple[str, str, float, float, int | None]]:
    chosen = []
    for folder, pattern in (("cvrp-x", "*.vrp"), ("vrptw-solomon", "*.txt")):
        bks = json.loads((VRP_DATA / folder / "BKS.json").read_text())
        for path in sorted((VRP_DATA / folder).glob(pattern)):
            known = bks.get(path.stem)
            if known is None or known["jobs"] > args.max_customers:
                continue
            if args.only and not any(path.stem.startswith(o) for o in args.only.split(",")):
                continue
            for solver in SOLVERS:
                solomon = folder == "vrptw-solomon" and not args.full_fleet
                fleet = known.get("solved_with_vehicles") if solomon else None
                chosen.append((str(path), solver, args.budget, known["best_known_cost"], fleet))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0)
    parser.add_argument("--max-customers", type=int, default=256)
    parser.add_argument("--only", default="", help="instance name prefixes, comma-separated")
    parser.add_argument(
        "--jobs", type=int, default=2, help="instances solved at once (one core each)"
    )
    parser.add_argument("--full-fleet", action="store_true", help="Solomon with 25 vehicles")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--instance-json",
        default="",
        help="solve one instance written as JSON (matrix, demand, capacity, vehicles, windows, "
        "service) with each solver and print one JSON line per solver (rounds_bench uses it)",
    )
    args = parser.parse_args()
    if not args.inner:
        python = peer_python()
        # The same script again in the peers' environment (the platform's has none of them).
        os.execv(str(python), [str(python), __file__, *sys.argv[1:], "--inner"])  # noqa: S606
    if args.instance_json:
        instance = json.loads(Path(args.instance_json).read_text())
        for solver, solve in SOLVERS.items():
            began = time.perf_counter()
            routes = solve(instance, args.budget)
            seconds = time.perf_counter() - began
            ok = bool(routes) and feasible(instance, routes)
            cost = route_cost(instance, routes) if ok else None
            print(json.dumps({"solver": solver, "seconds": seconds, "feasible": ok, "cost": cost}))
        return
    work = tasks(args)
    print(f"{len(work)} solver runs at {args.budget:g} s, {args.jobs} at once ...", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_one, work))
    report(results)
    (WORK / "vrp_results.json").write_text(json.dumps(results, indent=2))


def report(results: list[dict]) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.common import table

    rows = []
    for kind in ("cvrp", "vrptw"):
        for solver in SOLVERS:
            mine = [r for r in results if r["set"] == kind and r["solver"] == solver]
            if not mine:
                continue
            gaps = [r["gap_pct"] for r in mine if r["gap_pct"] is not None]
            rows.append((
                "CVRPLIB X" if kind == "cvrp" else "Solomon", solver, len(mine),
                sum(r["feasible"] for r in mine),
                round(statistics.fmean(gaps), 2) if gaps else None,
                round(max(gaps), 2) if gaps else None,
                round(statistics.fmean(r["seconds"] for r in mine), 2),
            ))  # fmt: skip
    print()
    print(
        table(rows, ("set", "solver", "instances", "feasible", "mean gap %", "max gap %", "s each"))
    )


if __name__ == "__main__":
    main()
