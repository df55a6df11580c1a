"""Reads of routing: routes with instructions, and travel-time matrices. Points are WGS 84
(EPSG:4326); distances metres, durations seconds."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import asdict
from typing import Any

from django.contrib.gis.geos import Point

from routing.engines import bearing, router
from routing.instructions import route_instructions


def route_find(*, origin: Point, destination: Point, metric: str = "fastest") -> dict[str, Any]:
    """The best route between two points as GeoJSON-ready data: distance, duration, the line
    and the instructions in Arabic and English."""
    route = router().route(origin=origin, destination=destination, metric=metric)
    heading = (
        bearing(route.coordinates[0], route.coordinates[1]) if len(route.coordinates) > 1 else 0
    )
    return {
        "metric": route.metric,
        "distance_m": round(route.distance_m, 1),
        "duration_s": round(route.duration_s, 1),
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in route.coordinates]},
        "instructions": [asdict(i) for i in route_instructions(route=route, heading=heading)],
        "snapped_m": [round(d, 1) for d in route.snapped_m],
    }


def travel_matrix(*, points: list[Point], metric: str = "fastest") -> list[list[float | None]]:
    """Seconds (fastest) or metres (shortest) from each point to each other, None where no
    legal way joins them."""
    return router().matrix(points=points, metric=metric)


def route_through(*, points: list[Point], metric: str = "fastest") -> list[dict[str, Any]]:
    """The legs of a journey visiting ``points`` in order: each leg's distance (m), duration
    (s) and coordinates (lon, lat). A leg with no legal way raises the router's error."""
    engine = router()
    legs = []
    for a, b in itertools.pairwise(points):
        leg = engine.route(origin=a, destination=b, metric=metric)
        legs.append(
            {
                "distance_m": leg.distance_m,
                "duration_s": leg.duration_s,
                "coordinates": leg.coordinates,
            }
        )
    return legs


def router_warm() -> float:
    """Load the graph and compile the search kernels in this process (numba caches the
    machine code on disk, so web workers started afterwards load it instead of compiling it
    on their first route). Returns the seconds it took."""
    import time

    from core.errors import DomainError
    from routing.models import Node

    began = time.monotonic()
    points = [n.geom for n in Node.objects.order_by("pk")[:2]]
    if len(points) == 2:
        for call in (
            lambda: router().route(origin=points[0], destination=points[1]),
            lambda: router().matrix(points=points),
        ):
            # Two nodes with no way between them compile the kernels all the same.
            with contextlib.suppress(DomainError):
                call()
    return time.monotonic() - began
