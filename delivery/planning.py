"""Round-planning engines: a vehicle-routing problem in, ordered rounds out.

The problem is stated in whole seconds: travel times between the office (index 0) and the
stops come from the platform's own router; time windows and shifts are seconds since the
day's midnight. The engine is chosen by the ``DELIVERY_SOLVER`` setting. PyVRP is the default
because it won the side-by-side benchmark (``bench/vrp_bench.py``, figures in the README)
against pyvroom and OR-Tools on the CVRPLIB X and Solomon instances.
"""

from __future__ import annotations

import abc
import warnings
from dataclasses import dataclass

import numpy as np

from core.engines import engine_from_setting

# A stop that no route may reach in practice (the matrix has no way between two points).
NO_WAY_S = 10**6
# What serving one order is worth against travel (seconds): more than a day of detours, so
# the solver leaves an order out only when no round can take it.
ORDER_PRIZE = 100_000
# Iterations without a better solution after which the search stops before its budget.
STALL_ITERATIONS = 500


@dataclass(frozen=True)
class Vehicle:
    """One courier's shift: capacity in documents, shift in seconds since midnight."""

    capacity: int
    start_s: int
    end_s: int


@dataclass(frozen=True)
class Stop:
    """One order: documents to hand over, the window in which service starts (seconds since
    midnight) and the time spent at the door."""

    demand: int
    early_s: int
    late_s: int
    service_s: int


@dataclass(frozen=True)
class Problem:
    """``durations[a][b]``: seconds from location a to b; 0 is the office, 1.. the stops."""

    durations: np.ndarray
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    seconds: float
    required: bool = False


@dataclass(frozen=True)
class Solution:
    """``routes[v]``: the stops (0-based indexes into ``Problem.stops``) vehicle v visits, in
    order; ``unserved``: the stops no route visits."""

    routes: tuple[tuple[int, ...], ...]
    unserved: tuple[int, ...]


class RoundSolver(abc.ABC):
    """Solves a :class:`Problem` within ``problem.seconds`` of computing time."""

    name: str

    @abc.abstractmethod
    def solve(self, *, problem: Problem) -> Solution: ...


class PyVRPSolver(RoundSolver):
    """PyVRP's iterated local search. Optional stops carry a prize far above any travel time,
    so that the objective first serves as many orders as the fleet can take, then minimises
    the travel time."""

    name = "pyvrp"

    def solve(self, *, problem: Problem) -> Solution:
        import pyvrp
        import pyvrp.exceptions
        from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

        n = len(problem.stops)
        if not problem.vehicles or not n:
            return Solution(routes=tuple(() for _ in problem.vehicles), unserved=tuple(range(n)))
        locations = [pyvrp.Location(x=0, y=0) for _ in range(n + 1)]
        depot = pyvrp.Depot(
            location=0,
            tw_early=min(v.start_s for v in problem.vehicles),
            tw_late=max(v.end_s for v in problem.vehicles),
        )
        clients = [
            pyvrp.Client(
                location=i + 1,
                delivery=[s.demand],
                service_duration=s.service_s,
                tw_early=s.early_s,
                tw_late=s.late_s,
                prize=ORDER_PRIZE,
                required=problem.required,
            )
            for i, s in enumerate(problem.stops)
        ]
        vehicle_types = [
            pyvrp.VehicleType(
                num_available=1,
                capacity=[v.capacity],
                tw_early=v.start_s,
                tw_late=v.end_s,
                shift_duration=v.end_s - v.start_s,
                unit_distance_cost=1,
            )
            for v in problem.vehicles
        ]
        matrix = np.asarray(problem.durations, dtype=np.int64)
        data = pyvrp.ProblemData(
            locations=locations,
            clients=clients,
            depots=[depot],
            vehicle_types=vehicle_types,
            distance_matrices=[matrix],
            duration_matrices=[matrix],
        )
        with warnings.catch_warnings():
            # A dispatcher's move may leave no on-time order for a round; PyVRP then warns that
            # its penalties reached their bound. The lateness is computed and shown per stop.
            warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
            # Stop at the budget, or once the search has stalled: on a 60-stop round it
            # converges well before the budget (bench/rounds_bench.py).
            stop = MultipleCriteria(
                [MaxRuntime(problem.seconds), NoImprovement(max(STALL_ITERATIONS, 10 * n))]
            )
            result = pyvrp.solve(data, stop=stop, seed=1, collect_stats=False, display=False)
        routes: list[list[int]] = [[] for _ in problem.vehicles]
        for route in result.best.routes():
            routes[route.vehicle_type()] = [a.idx for a in route if a.is_client()]
        served = {i for r in routes for i in r}
        return Solution(
            routes=tuple(tuple(r) for r in routes),
            unserved=tuple(i for i in range(n) if i not in served),
        )


SOLVERS: dict[str, type[RoundSolver]] = {"pyvrp": PyVRPSolver}


def round_solver() -> RoundSolver:
    """The engine the ``DELIVERY_SOLVER`` setting names; a name the platform does not know is
    a configuration error (ImproperlyConfigured), like the other engines' settings."""
    return engine_from_setting("DELIVERY_SOLVER", SOLVERS)


def depart_s(*, durations: np.ndarray, stops: list[Stop], route: list[int], start_s: int) -> int:
    """When the courier leaves the office: at the start of the shift, or later when the first
    window opens later (no waiting at the first door)."""
    if not route:
        return start_s
    return max(start_s, stops[route[0]].early_s - int(durations[0][route[0] + 1]))


def schedule(
    *, durations: np.ndarray, stops: list[Stop], route: list[int], start_s: int
) -> list[tuple[int, int]]:
    """When each stop of ``route`` is reached, leaving the office at ``start_s``: a list of
    ``(service start in seconds since midnight, seconds late against the window)``. A courier
    early for a window waits for it to open."""
    out: list[tuple[int, int]] = []
    t, here = depart_s(durations=durations, stops=stops, route=route, start_s=start_s), 0
    for i in route:
        t += int(durations[here][i + 1])
        stop = stops[i]
        t = max(t, stop.early_s)
        out.append((t, max(0, t - stop.late_s)))
        t += stop.service_s
        here = i + 1
    return out
