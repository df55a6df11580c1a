"""Round-planning benchmark on the platform itself: one courier, 60 stops, the demo city.

    ./platform bench rounds_bench [--stops 60] [--repeat 5]

On a fresh benchmark database (made by ./platform bench) it loads the synthetic demo city of
Ramallah and Al-Bireh (labelled synthetic) with its delivery offices, builds the routing graph,
gives one courier (capacity ``--stops``, shift 08:00-16:00) ``--stops`` home deliveries to
distinct buildings in the 09:00-12:00 and 12:00-15:00 windows, and times ``round_plan`` (the
service behind the dispatcher's button and the background job): the travel-time matrix, the
solver and writing the round with its line on the street network. The same problem (the same
matrix, windows and service times) is then given to pyvroom, PyVRP (through its own modelling
interface) and OR-Tools in their benchmark environment, with the platform's time budget, to
compare the round's travel time. It prints figures and writes .local/bench/rounds_results.json;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from addressing.models import Building, BuildingStatus  # noqa: E402
from bench.common import WORK, table  # noqa: E402
from bench.vrp_bench import peer_python  # noqa: E402
from delivery.models import Courier, DeliveryOffice, Round  # noqa: E402
from delivery.planning import NO_WAY_S  # noqa: E402
from delivery.services import round_plan  # noqa: E402
from delivery.services.rounds import plan_seconds  # noqa: E402
from routing.selectors import travel_matrix  # noqa: E402
from tests.factories import UserFactory, home_order_make  # noqa: E402

DAY = date(2031, 1, 6)  # a Monday with no demo orders
SERVICE_S = 180


def setup(stops: int) -> tuple[DeliveryOffice, Courier, list]:
    for command in ("load_reference_data", "load_demo_city", "load_demo_delivery"):
        call_command(command, verbosity=0)
    call_command("routing_graph_build", verbosity=0)
    office = DeliveryOffice.objects.get(code="demo-ramallah-post")
    buildings = list(
        Building.objects.filter(
            status=BuildingStatus.ACTIVE, postcode__isnull=False, zone__in=office.zones.all()
        ).order_by("pk")
    )
    step = max(1, len(buildings) // stops)
    chosen = [buildings[i * step] for i in range(stops)]
    user = UserFactory(username="bench-courier")
    courier = Courier.objects.create(user=user, office=office, vehicle="car", capacity=stops)
    tz = timezone.get_current_timezone()
    courier.shifts.create(
        starts_at=datetime.combine(DAY, clock(8), tz), ends_at=datetime.combine(DAY, clock(16), tz)
    )
    orders = [
        home_order_make(
            building=b, office=office, day=DAY, window=(9, 12) if i % 2 else (12, 15), n=900 + i
        )
        for i, b in enumerate(chosen)
    ]
    return office, courier, orders


def instance(office, orders) -> dict:
    """The problem as the peers read it: seconds, the office first, windows in seconds from
    midnight (the depot's window is the shift)."""
    matrix = travel_matrix(points=[office.geom, *(o.building.entrance for o in orders)])
    midnight = datetime.combine(DAY, clock(0), timezone.get_current_timezone())
    seconds = lambda moment: int((moment - midnight).total_seconds())  # noqa: E731
    return {
        "name": "rounds-60",
        "kind": "vrptw",
        "matrix": [[NO_WAY_S if v is None else int(-(-v // 1)) for v in row] for row in matrix],
        "demand": [0] + [1] * len(orders),
        "capacity": len(orders),
        "vehicles": 1,
        "windows": [(8 * 3600, 16 * 3600)]
        + [(seconds(o.window_start), seconds(o.window_end)) for o in orders],
        "service": [0] + [SERVICE_S] * len(orders),
        "scale": 1,
    }


def round_travel_s(problem: dict, round_: Round) -> int:
    """The round's travel time from the same matrix as the peers (waiting and service left
    out), so that every solver is priced alike."""
    index = {o: i + 1 for i, o in enumerate(problem["order_ids"])}
    path = [0, *(index[s.order_id] for s in round_.stops.order_by("sequence")), 0]
    return sum(problem["matrix"][a][b] for a, b in itertools.pairwise(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"loading the demo city and {args.stops} orders for one courier ...", flush=True)
    office, _courier, orders = setup(args.stops)
    problem = instance(office, orders)
    problem["order_ids"] = [o.pk for o in orders]
    matrix_ms = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        travel_matrix(points=[office.geom, *(o.building.entrance for o in orders)])
        matrix_ms.append((time.perf_counter() - began) * 1000)
    totals, unserved, late, travel = [], [], [], []
    for _ in range(args.repeat):
        began = time.perf_counter()
        plan = round_plan(office=office, day=DAY)
        totals.append(time.perf_counter() - began)
        round_ = Round.objects.get(plan=plan)
        unserved.append(len(plan.unserved))
        late.append(round_.stops.filter(late_s__gt=0).count())
        travel.append(round_travel_s(problem, round_))
    budget = plan_seconds(args.stops)
    path = WORK / "rounds_instance.json"
    path.write_text(json.dumps({k: v for k, v in problem.items() if k != "order_ids"}))
    lines = subprocess.run(
        [str(peer_python()), str(Path(__file__).parent / "vrp_bench.py"), "--inner",
         "--instance-json", str(path), "--budget", str(budget)],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    peers = [json.loads(line) for line in lines if line.startswith("{")]
    results = {
        "stops": args.stops,
        "budget_s": budget,
        "matrix_ms_median": statistics.median(matrix_ms),
        "plan_s": totals,
        "plan_s_median": statistics.median(totals),
        "unserved": unserved,
        "late_stops": late,
        "travel_s": travel,
        "peers": peers,
    }
    (WORK / "rounds_results.json").write_text(json.dumps(results, indent=2))
    print(
        f"\n{args.stops} stops, one courier, demo city (synthetic); solver budget {budget:.2f} s; "
        f"{args.repeat} plans"
    )
    print(f"travel-time matrix {len(orders) + 1} x {len(orders) + 1}: "
          f"{statistics.median(matrix_ms):.1f} ms (median)")  # fmt: skip
    rows = [
        ("platform round_plan (matrix + PyVRP + writing)", f"{statistics.median(totals):.2f}",
         f"{statistics.median(travel):.0f}", f"{max(unserved)}", f"{max(late)}"),
    ]  # fmt: skip
    for peer in peers:
        rows.append(
            (f"{peer['solver']} on the same matrix (solver only)", f"{peer['seconds']:.2f}",
             f"{peer['cost']:.0f}" if peer["cost"] is not None else "infeasible", "-", "-")
        )  # fmt: skip
    print(table(rows, ("planner", "seconds", "travel s", "unserved", "late stops")))


if __name__ == "__main__":
    main()
