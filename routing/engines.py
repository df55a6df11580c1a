"""The routing engine, chosen by the ``ROUTER`` setting.

``graph`` (the default) keeps the graph built from the street register in memory, as arrays in
compressed sparse row form, and searches it with compiled A* (routes) and Dijkstra (matrices)
from ``routing.kernels``. It reloads the graph when a newer build exists, and reads the
closures in force on every request: a closure a planner drew a moment ago is avoided by the
next route, with no rebuild. Routes are exact: the A* bound never overestimates.

Points are WGS 84 (EPSG:4326) longitude/latitude; distances are metres on the ellipsoid and
durations seconds at each street's speed.
"""

from __future__ import annotations

import abc
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from shapely import STRtree

from core.engines import engine_from_setting
from core.errors import InvalidInput, NotFound, ServiceUnavailable
from routing import ch, kernels, sql
from routing.models import Edge, GraphBuild, Node, Turn

logger = logging.getLogger(__name__)

METRICS = ("fastest", "shortest")
# How far from the nearest street a point may be and still be routed from or to.
SNAP_LIMIT_M = 500.0
MAX_MATRIX_POINTS = 200
METRES_PER_DEGREE = 111_195.0  # of latitude, on the mean sphere
NODE_SNAP_M = 0.5
# numba's default thread pool (workqueue) must not run two parallel loops at once: web server
# threads take turns for the matrix kernel (each call already uses every core).
_PARALLEL = threading.Lock()


@dataclass(frozen=True)
class Leg:
    """A stretch of one street on a route: its street, metres and seconds, and the turn that
    leads into it (degrees, positive to the right; None for the first)."""

    street_id: int
    distance_m: float
    duration_s: float
    turn_deg: float | None
    start: tuple[float, float]


@dataclass(frozen=True)
class Route:
    metric: str
    cost: float  # seconds (fastest) or metres (shortest)
    distance_m: float
    duration_s: float
    coordinates: list[tuple[float, float]]
    legs: list[Leg] = field(default_factory=list)
    snapped_m: tuple[float, float] = (0.0, 0.0)  # how far origin and destination were from a street


class Router(abc.ABC):
    @abc.abstractmethod
    def route(self, *, origin: Point, destination: Point, metric: str = "fastest") -> Route:
        """The best route from ``origin`` to ``destination`` (EPSG:4326); NotFound when either
        is too far from a street or no legal way joins them."""

    @abc.abstractmethod
    def matrix(self, *, points: list[Point], metric: str = "fastest") -> list[list[float | None]]:
        """The cost (seconds or metres) from each point to each other; None where no way
        joins them."""

    def state_changed(self) -> None:  # noqa: B027 - most engines have nothing to forget
        """This process committed a closure or a graph build: forget what is known of them."""


@dataclass
class Graph:
    """Nodes are the register's crossings, then copies of the crossings with turn restrictions:
    an arc with a restriction into a crossing leads to a copy of it, from which only the turns
    allowed from that arc go on (node splitting), so searches stay plain Dijkstra and A*."""

    build_id: int
    node_ids: np.ndarray  # database id of each node index (a copy has its crossing's)
    origin: np.ndarray  # the crossing each node index stands for (itself, or the copied one)
    copies: dict[int, list[tuple[int, frozenset]]]  # crossing: (copy, (edge, forward) it bans)
    lons: np.ndarray
    lats: np.ndarray
    edge_ids: np.ndarray
    edge_index: dict[int, int]
    sources: np.ndarray  # node index of each edge's start
    targets: np.ndarray
    length_m: np.ndarray
    cost_s: np.ndarray  # -1: not allowed
    reverse_cost_s: np.ndarray
    street_ids: np.ndarray
    coords: list[np.ndarray]
    offsets: np.ndarray  # CSR over arcs (an arc is an edge in one allowed direction)
    heads: np.ndarray
    tails: np.ndarray
    forward_head: np.ndarray  # the node each edge's arc along / against its drawing leads to
    backward_head: np.ndarray
    arc_edge: np.ndarray
    arc_forward: np.ndarray
    arc_cost: dict[str, np.ndarray]
    top_speed_ms: float
    # Edges in a local equirectangular frame (longitude scaled by the cosine of the mean
    # latitude), where planar distances are close to metres / METRES_PER_DEGREE: the nearest
    # street to a point is found in memory.
    x_scale: float
    lines: np.ndarray
    along: list[np.ndarray]  # each edge's distance along it at each of its points, in that frame
    tree: STRtree
    # ALT: the cost from and to a few landmarks, for each metric (landmarks x nodes).
    land_from: dict[str, np.ndarray]
    land_to: dict[str, np.ndarray]


def _graph_load() -> Graph:
    build = GraphBuild.objects.order_by("-pk").first()
    if build is None:
        raise ServiceUnavailable(
            "The routing graph has not been built: run `manage.py routing_graph_build`.",
            code="graph_missing",
        )
    nodes = list(Node.objects.order_by("pk").values_list("pk", "geom"))
    node_ids = np.array([n[0] for n in nodes], dtype=np.int64)
    position = {pk: i for i, pk in enumerate(node_ids.tolist())}
    lons = np.array([n[1].x for n in nodes])
    lats = np.array([n[1].y for n in nodes])
    rows = list(
        Edge.objects.order_by("pk").values_list(
            "pk",
            "source_id",
            "target_id",
            "length_m",
            "cost_s",
            "reverse_cost_s",
            "street_id",
            "geom",
        )
    )
    edge_ids = np.array([r[0] for r in rows], dtype=np.int64)
    sources = np.array([position[r[1]] for r in rows], dtype=np.int64)
    targets = np.array([position[r[2]] for r in rows], dtype=np.int64)
    length_m = np.array([r[3] for r in rows])
    cost_s = np.array([r[4] for r in rows])
    reverse_cost_s = np.array([r[5] for r in rows])
    forward = np.flatnonzero(cost_s >= 0)
    backward = np.flatnonzero(reverse_cost_s >= 0)
    tails = np.concatenate([sources[forward], targets[backward]])
    heads = np.concatenate([targets[forward], sources[backward]])
    arc_edge = np.concatenate([forward, backward]).astype(np.int64)
    arc_forward = np.concatenate([np.ones(len(forward), bool), np.zeros(len(backward), bool)])
    edge_index = {pk: i for i, pk in enumerate(edge_ids.tolist())}
    turns = [
        (edge_index[f], position[v], edge_index[t], kind)
        for f, v, t, kind in Turn.objects.values_list(
            "from_edge_id", "via_id", "to_edge_id", "kind"
        )
        if f in edge_index and t in edge_index and v in position
    ]
    tails, heads, arc_edge, arc_forward, origin, copies = _turns_apply(
        turns, tails, heads, arc_edge, arc_forward, len(nodes)
    )
    seconds = np.where(arc_forward, cost_s[arc_edge], reverse_cost_s[arc_edge])
    metres = length_m[arc_edge]
    node_ids, lons, lats = node_ids[origin], lons[origin], lats[origin]
    forward_head, backward_head = targets.copy(), sources.copy()
    forward_head[arc_edge[arc_forward]] = heads[arc_forward]
    backward_head[arc_edge[~arc_forward]] = heads[~arc_forward]
    order = np.argsort(tails, kind="stable")
    offsets = np.searchsorted(tails[order], np.arange(len(origin) + 1)).astype(np.int64)
    speeds = metres / np.maximum(seconds, 1e-9)
    x_scale = math.cos(math.radians(float(lats.mean()))) if len(lats) else 1.0
    coords = [np.asarray(r[7].coords) for r in rows]
    lines = np.array([shapely.LineString(c * (x_scale, 1.0)) for c in coords], dtype=object)
    along = _along(coords, x_scale)
    heads_sorted, arc_order_costs = (
        heads[order].astype(np.int64),
        {
            "fastest": seconds[order],
            "shortest": metres[order],
        },
    )
    land_from, land_to = _landmarks(
        offsets, heads_sorted, tails[order], arc_order_costs, lons, lats
    )
    return Graph(
        build_id=build.pk,
        node_ids=node_ids,
        origin=origin,
        copies=copies,
        lons=lons,
        lats=lats,
        edge_ids=edge_ids,
        edge_index=edge_index,
        sources=sources,
        targets=targets,
        length_m=length_m,
        cost_s=cost_s,
        reverse_cost_s=reverse_cost_s,
        street_ids=np.array([r[6] for r in rows], dtype=np.int64),
        coords=coords,
        offsets=offsets,
        heads=heads_sorted,
        tails=tails[order].astype(np.int64),
        forward_head=forward_head,
        backward_head=backward_head,
        arc_edge=arc_edge[order],
        arc_forward=arc_forward[order],
        arc_cost={"fastest": seconds[order], "shortest": metres[order]},
        top_speed_ms=float(speeds.max()) if len(speeds) else 1.0,
        x_scale=x_scale,
        lines=lines,
        along=along,
        tree=STRtree(lines),
        land_from=land_from,
        land_to=land_to,
    )


def _turns_apply(turns, tails, heads, arc_edge, arc_forward, n):
    """The arcs and nodes with the turn restrictions built in: each arc with a restriction
    into a crossing is led to a copy of the crossing, which has the crossing's arcs out minus
    the turns banned from that arc. Returns (tails, heads, arc_edge, arc_forward, origin of
    each node, copies of each crossing with the (edge, forward) turns they ban)."""
    origin = np.arange(n, dtype=np.int64)
    if not turns:
        return tails, heads, arc_edge, arc_forward, origin, {}
    out_of: dict[int, list[int]] = {}
    for arc, tail in enumerate(tails.tolist()):
        out_of.setdefault(tail, []).append(arc)
    arcs_of: dict[int, list[int]] = {}
    for arc, edge in enumerate(arc_edge.tolist()):
        arcs_of.setdefault(edge, []).append(arc)
    banned: dict[int, set[int]] = {}  # an arc into a crossing: the arcs out it may not take
    for from_edge, via, to_edge, kind in turns:
        onto = {a for a in out_of.get(via, []) if arc_edge[a] == to_edge}
        for into in (a for a in arcs_of.get(from_edge, []) if heads[a] == via):
            ban = onto if kind == "no" else set(out_of.get(via, [])) - onto
            banned.setdefault(into, set()).update(ban)
    heads = heads.copy()
    copy_of_arc = {}
    for into in sorted(banned):
        copy_of_arc[into] = n + len(copy_of_arc)
    origin = np.concatenate([origin, heads[sorted(banned)]])
    for into, copy in copy_of_arc.items():
        heads[into] = copy
    new_tails, new_heads, new_edges, new_forward = [], [], [], []
    copies: dict[int, list[tuple[int, frozenset]]] = {}
    for into, copy in copy_of_arc.items():
        crossing = int(origin[copy])
        for out in out_of.get(crossing, []):
            if out not in banned[into]:
                new_tails.append(copy)
                new_heads.append(heads[out])  # into the next copy, if that arc has one too
                new_edges.append(arc_edge[out])
                new_forward.append(arc_forward[out])
        turns_banned = frozenset((int(arc_edge[a]), bool(arc_forward[a])) for a in banned[into])
        copies.setdefault(crossing, []).append((copy, turns_banned))
    return (
        np.concatenate([tails, np.array(new_tails, dtype=np.int64)]),
        np.concatenate([heads, np.array(new_heads, dtype=np.int64)]),
        np.concatenate([arc_edge, np.array(new_edges, dtype=np.int64)]),
        np.concatenate([arc_forward, np.array(new_forward, dtype=bool)]),
        origin,
        copies,
    )


def _along(coords: list[np.ndarray], x_scale: float) -> list[np.ndarray]:
    """For each line, the running distance from its start at each of its points (in the local
    frame), computed for all lines at once."""
    if not coords:
        return []
    sizes = np.array([len(c) for c in coords])
    flat = np.concatenate([c[:, :2] for c in coords]) * (x_scale, 1.0)
    step = np.zeros(len(flat))
    step[1:] = np.hypot(*np.diff(flat, axis=0).T)
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    step[firsts] = 0.0  # a line starts at zero, not at the last line's end
    run = np.cumsum(step)
    run -= np.repeat(run[firsts], sizes)
    return np.split(run, np.cumsum(sizes)[:-1])


LANDMARKS = 16


def _landmarks(offsets, heads, tails, costs: dict[str, np.ndarray], lons, lats):
    """Landmarks spread over each connected part of the graph (farthest points first, about
    LANDMARKS in all), and every node's cost from and to each, per metric."""
    n = len(lons)
    if n == 0:
        empty = np.zeros((0, 0))
        return {m: empty for m in costs}, {m: empty for m in costs}
    order = np.argsort(heads, kind="stable")
    rev_offsets = np.searchsorted(heads[order], np.arange(n + 1)).astype(np.int64)
    rev_heads = tails[order].astype(np.int64)
    label = kernels.components(offsets, heads, rev_offsets, rev_heads)
    x = lons * math.cos(math.radians(float(lats.mean())))
    chosen: list[int] = []
    sizes = np.bincount(label)
    for component in np.flatnonzero(sizes >= 20):
        members = np.flatnonzero(label == component)
        count = int(min(LANDMARKS, max(2, round(LANDMARKS * len(members) / n))))
        centre = np.array([x[members].mean(), lats[members].mean()])
        far = members[np.argmax((x[members] - centre[0]) ** 2 + (lats[members] - centre[1]) ** 2)]
        picked = [int(far)]
        gap = (x[members] - x[far]) ** 2 + (lats[members] - lats[far]) ** 2
        while len(picked) < count:
            nxt = int(members[np.argmax(gap)])
            picked.append(nxt)
            gap = np.minimum(gap, (x[members] - x[nxt]) ** 2 + (lats[members] - lats[nxt]) ** 2)
        chosen += picked
    land_from, land_to = {}, {}
    for metric, arc_costs in costs.items():
        rev_costs = arc_costs[order]
        land_from[metric] = np.array(
            [kernels.dijkstra_all(offsets, heads, arc_costs, k) for k in chosen]
        ).reshape(len(chosen), n)
        land_to[metric] = np.array(
            [kernels.dijkstra_all(rev_offsets, rev_heads, rev_costs, k) for k in chosen]
        ).reshape(len(chosen), n)
    return land_from, land_to


@dataclass(frozen=True)
class Snap:
    edge: int  # index into the graph's edges
    fraction: float
    distance_m: float


def _part(share: float, cost: float) -> float:
    """The cost of ``share`` of an edge: nothing for none of it (a point on a node is at that
    node, whichever way the street runs), infinite for a direction not allowed."""
    if share <= 0:
        return 0.0
    return share * cost if math.isfinite(cost) else math.inf


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The initial bearing from a to b (lon, lat), in degrees clockwise from north."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def _stretch(graph: Graph, edge: int, a: float, b: float) -> list[tuple[float, float]]:
    """The points of ``edge`` from fraction ``a`` to fraction ``b`` of its length (reversed when
    a > b), fractions measured in the frame the points were snapped in."""
    coords = graph.coords[edge][:, :2]
    low, high = (a, b) if a <= b else (b, a)
    if low > 0 or high < 1:
        along = graph.along[edge]
        first, last = low * along[-1], high * along[-1]
        inner = coords[(along > first) & (along < last)]
        ends = [
            [np.interp(d, along, coords[:, 0]), np.interp(d, along, coords[:, 1])]
            for d in (first, last)
        ]
        coords = np.vstack([ends[0], inner, ends[1]])
    points = list(map(tuple, coords.tolist()))
    return points if a <= b else points[::-1]


class GraphRouter(Router):
    def __init__(self) -> None:
        self._graph: Graph | None = None
        self._lock = threading.Lock()
        self._closed_key: tuple | None = None
        self._costs: dict[str, np.ndarray] = {}
        self._closures_key: tuple | None = None
        self._closures: list[tuple[datetime, datetime | None, frozenset[int]]] = []
        self._listener = sql.StateListener()
        self._hierarchies: dict[tuple[int, str], tuple] = {}
        self._hierarchy_threads: dict[tuple[int, str], threading.Thread] = {}
        self._state: tuple | None = None
        self._state_trusted = False

    def state_changed(self) -> None:
        # Other processes hear of it through the notification, within a moment of the commit;
        # this one must not depend on that moment.
        with self._lock:
            self._state_trusted = False

    def close(self) -> None:
        """Let go of the connection that listens for changes (before its database is dropped)."""
        with self._lock:
            self._listener.close()
            self._state = None

    # -- the graph and the closures in force ------------------------------------------------
    def state(self) -> tuple[Graph, set[int]]:
        """The current graph and the edges closed now. The database is asked only when its
        notifications say the closures or the graph changed, or when this request runs in a
        transaction (its own uncommitted writes are visible to it alone, and a state read
        there is not trusted after it)."""
        in_transaction = connection.in_atomic_block
        now = timezone.now()
        with self._lock:
            heard = True if in_transaction else self._listener.changed()
            if heard or not self._state_trusted or self._state is None:
                self._state_trusted = False  # until the query below has answered
                self._state = sql.routing_state()
                self._state_trusted = not in_transaction
            build_id, closures_changed, closures_count = self._state
            if build_id is None:
                raise ServiceUnavailable(
                    "The routing graph has not been built: run `manage.py routing_graph_build`.",
                    code="graph_missing",
                )
            if self._graph is None or self._graph.build_id != build_id:
                self._graph = _graph_load()
                self._closed_key = None
                self._closures_key = None
            graph = self._graph
            key = (build_id, closures_changed, closures_count)
            if key != self._closures_key:
                self._closures = [
                    (
                        starts,
                        ends,
                        frozenset(graph.edge_index[pk] for pk in ids if pk in graph.edge_index),
                    )
                    for starts, ends, ids in sql.closures_open(at=now)
                ]
                self._closures_key = key
            closed: set[int] = set()
            for starts, ends, edges in self._closures:
                if starts <= now and (ends is None or now < ends):
                    closed |= edges
            return graph, closed

    def graph(self) -> Graph:
        return self.state()[0]

    def hierarchy(self, graph: Graph, metric: str, *, wait: bool = False) -> tuple | None:
        """The graph's contraction hierarchy for ``metric``, or None while it is being built.
        The first matrix asking for it starts the build in a thread of its own (seconds on the
        demo city, 20 to 60 s on 100,000 edges, without holding the interpreter); matrices
        search the whole graph until it is ready. ``wait``: until it is ready."""
        key = (graph.build_id, metric)
        with self._lock:
            if key not in self._hierarchy_threads:
                # A newer graph replaces the older one's hierarchies.
                self._hierarchies = {
                    k: v for k, v in self._hierarchies.items() if k[0] == graph.build_id
                }
                self._hierarchy_threads = {
                    k: v for k, v in self._hierarchy_threads.items() if k[0] == graph.build_id
                }
                thread = threading.Thread(
                    target=self._hierarchy_build,
                    args=(key, graph, metric),
                    name=f"routing-hierarchy-{graph.build_id}-{metric}",
                    daemon=True,
                )
                self._hierarchy_threads[key] = thread
                thread.start()
            thread = self._hierarchy_threads[key]
        if wait:
            thread.join()
        return self._hierarchies.get(key)

    def _hierarchy_build(self, key: tuple[int, str], graph: Graph, metric: str) -> None:
        began = time.monotonic()
        try:
            built = ch.ch_build(
                len(graph.offsets) - 1, graph.tails, graph.heads, graph.arc_cost[metric]
            )
        except Exception:  # matrices keep searching the whole graph; the cause is logged
            logger.exception("routing: the contraction hierarchy for %s failed", key)
            return
        with self._lock:
            if key in self._hierarchy_threads:
                self._hierarchies[key] = built
        logger.info(
            "routing: contraction hierarchy %s built in %.1f s", key, time.monotonic() - began
        )

    def costs(self, graph: Graph, metric: str, closed: set[int]) -> np.ndarray:
        key = (graph.build_id, frozenset(closed))
        with self._lock:
            if key != self._closed_key:
                self._costs = {}
                for name, base in graph.arc_cost.items():
                    costs = base.copy()
                    if closed:
                        costs[np.isin(graph.arc_edge, list(closed))] = np.inf
                    self._costs[name] = costs
                self._closed_key = key
            return self._costs[metric]

    # -- points onto the graph ------------------------------------------------------------------
    def snap(self, graph: Graph, point: Point, closed: set[int]) -> Snap:
        """Where ``point`` meets the nearest open street: the edge and the fraction along it."""
        x, y = point.coords[:2]  # read once: each read of point.x goes through GEOS
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
        here = shapely.Point(x * graph.x_scale, y)
        reach = SNAP_LIMIT_M / METRES_PER_DEGREE
        found = graph.tree.query_nearest(here, max_distance=reach, all_matches=True)
        candidates = [int(i) for i in found if int(i) not in closed]
        if not candidates and len(found):
            # The nearest is closed: the nearest open one within reach.
            near = graph.tree.query(here.buffer(reach))
            candidates = [int(i) for i in near if int(i) not in closed]
        if not candidates:
            raise NotFound(
                f"{y:.6f}, {x:.6f} is more than {SNAP_LIMIT_M:g} m from any open "
                "street: it cannot be reached on the network.",
                code="unreachable_point",
            )
        edge = min(candidates, key=lambda i: graph.lines[i].distance(here))
        line = graph.lines[edge]
        fraction = float(line.project(here, normalized=True))
        foot = line.interpolate(fraction, normalized=True)
        distance = kernels.haversine(x, y, foot.x / graph.x_scale, foot.y)
        if distance > SNAP_LIMIT_M:
            raise NotFound(
                f"{y:.6f}, {x:.6f} is more than {SNAP_LIMIT_M:g} m from any open "
                "street: it cannot be reached on the network.",
                code="unreachable_point",
            )
        # A point within NODE_SNAP_M of a crossing is at the crossing: otherwise a point a
        # millimetre into a one-way street could not turn back to the crossing it stands on.
        length = float(graph.length_m[edge])
        if fraction * length < NODE_SNAP_M:
            fraction = 0.0
        elif (1 - fraction) * length < NODE_SNAP_M:
            fraction = 1.0
        return Snap(edge=edge, fraction=fraction, distance_m=float(distance))

    def _edge_cost(
        self, graph: Graph, edge: int, metric: str, forward: bool, closed: set[int]
    ) -> float:
        if edge in closed:
            return math.inf
        if metric == "shortest":
            allowed = (graph.cost_s if forward else graph.reverse_cost_s)[edge] >= 0
            return float(graph.length_m[edge]) if allowed else math.inf
        value = float((graph.cost_s if forward else graph.reverse_cost_s)[edge])
        return value if value >= 0 else math.inf

    def _exits(self, graph, snap: Snap, metric, closed):
        """The nodes a point leaves its street by, with the cost of getting there. Driving off
        the end of a street with a turn restriction leads to that restriction's copy of the
        crossing; a point standing on the crossing itself may turn any legal way."""
        fwd = self._edge_cost(graph, snap.edge, metric, True, closed)
        bwd = self._edge_cost(graph, snap.edge, metric, False, closed)
        ahead = graph.forward_head[snap.edge] if snap.fraction < 1 else graph.targets[snap.edge]
        behind = graph.backward_head[snap.edge] if snap.fraction > 0 else graph.sources[snap.edge]
        nodes = np.array([ahead, behind], dtype=np.int64)
        return nodes, np.array([_part(1 - snap.fraction, fwd), _part(snap.fraction, bwd)])

    def _entries(self, graph, snap: Snap, metric, closed):
        """The nodes a point is reached from along its street, with the cost from there: each
        end crossing, and those of its copies whose restriction allows the turn onto the
        street (all of them when the point stands on the crossing)."""
        fwd = self._edge_cost(graph, snap.edge, metric, True, closed)
        bwd = self._edge_cost(graph, snap.edge, metric, False, closed)
        nodes, costs = [], []
        for crossing, forward, cost in (
            (int(graph.sources[snap.edge]), True, _part(snap.fraction, fwd)),
            (int(graph.targets[snap.edge]), False, _part(1 - snap.fraction, bwd)),
        ):
            at_crossing = snap.fraction == (0.0 if forward else 1.0)
            nodes.append(crossing)
            costs.append(cost)
            for copy, banned in graph.copies.get(crossing, ()):
                if at_crossing or (snap.edge, forward) not in banned:
                    nodes.append(copy)
                    costs.append(cost)
        return np.array(nodes, dtype=np.int64), np.array(costs)

    # -- routes ---------------------------------------------------------------------------------
    def route(self, *, origin: Point, destination: Point, metric: str = "fastest") -> Route:
        if metric not in METRICS:
            raise InvalidInput(f"metric is one of {', '.join(METRICS)}.", code="invalid_metric")
        graph, closed = self.state()
        costs = self.costs(graph, metric, closed)
        start, end = self.snap(graph, origin, closed), self.snap(graph, destination, closed)
        starts, start_costs = self._exits(graph, start, metric, closed)
        ends, end_costs = self._entries(graph, end, metric, closed)
        if len(graph.land_from[metric]):
            best, best_end, via = kernels.alt_astar(
                graph.offsets, graph.heads, costs, graph.land_from[metric], graph.land_to[metric],
                starts, start_costs, ends, end_costs,
            )  # fmt: skip
        else:
            scale = 1.0 if metric == "shortest" else 1.0 / graph.top_speed_ms
            best, best_end, via = kernels.astar(
                graph.offsets, graph.heads, costs, graph.lons, graph.lats, scale,
                starts, start_costs, ends, end_costs,
            )  # fmt: skip
        direct = self._same_edge(graph, start, end, metric, closed)
        if direct is not None and direct <= best:
            pieces = [(start.edge, start.fraction <= end.fraction, start.fraction, end.fraction)]
            return self._assemble(graph, metric, direct, pieces, start, end)
        if not math.isfinite(best):
            raise NotFound(
                "No legal way joins these two points (one-way streets or closures cut them apart).",
                code="no_route",
            )
        arcs = []
        node = best_end
        while via[node] >= 0:  # back along the search tree to the start node it grew from
            arc = int(via[node])
            arcs.append(arc)
            edge = int(graph.arc_edge[arc])
            node = graph.tails[arc]
        arcs.reverse()
        first_node = node
        pieces = []
        # Leaving the origin's street towards the node the search started from.
        leave_forward = graph.origin[first_node] == graph.targets[start.edge]
        pieces.append((start.edge, leave_forward, start.fraction, 1.0 if leave_forward else 0.0))
        for arc in arcs:
            edge = int(graph.arc_edge[arc])
            forward = bool(graph.arc_forward[arc])
            pieces.append((edge, forward, 0.0 if forward else 1.0, 1.0 if forward else 0.0))
        arrive_forward = graph.origin[best_end] == graph.sources[end.edge]
        pieces.append((end.edge, arrive_forward, 0.0 if arrive_forward else 1.0, end.fraction))
        return self._assemble(graph, metric, float(best), pieces, start, end)

    def _same_edge(self, graph, start: Snap, end: Snap, metric, closed) -> float | None:
        if start.edge != end.edge:
            return None
        forward = start.fraction <= end.fraction
        cost = self._edge_cost(graph, start.edge, metric, forward, closed)
        value = _part(abs(end.fraction - start.fraction), cost)
        return value if math.isfinite(value) else None

    def _assemble(self, graph, metric, cost, pieces, start: Snap, end: Snap) -> Route:
        coordinates: list[tuple[float, float]] = []
        legs: list[list] = []  # [street, metres, seconds, turn, start], made Legs at the end
        distance = duration = 0.0
        last_pair = None  # the last two points so far: the heading a turn is measured from
        for edge, forward, a, b in pieces:
            share = abs(b - a)
            if share <= 0:
                continue
            points = _stretch(graph, edge, a, b)
            if len(points) < 2:
                continue
            length = float(graph.length_m[edge]) * share
            seconds = abs(float((graph.cost_s if forward else graph.reverse_cost_s)[edge])) * share
            street = int(graph.street_ids[edge])
            if legs and legs[-1][0] == street:
                legs[-1][1] += length
                legs[-1][2] += seconds
            else:
                turn = None
                if last_pair is not None:
                    turn = (bearing(points[0], points[1]) - bearing(*last_pair) + 540) % 360 - 180
                legs.append([street, length, seconds, turn, points[0]])
            last_pair = (points[-2], points[-1])
            coordinates += points if not coordinates else points[1:]
            distance += length
            duration += seconds
        return Route(
            metric=metric,
            cost=cost,
            distance_m=distance,
            duration_s=duration,
            coordinates=coordinates,
            legs=[Leg(*leg) for leg in legs],
            snapped_m=(start.distance_m, end.distance_m),
        )

    # -- matrices -------------------------------------------------------------------------------
    def matrix(self, *, points: list[Point], metric: str = "fastest") -> list[list[float | None]]:
        if metric not in METRICS:
            raise InvalidInput(f"metric is one of {', '.join(METRICS)}.", code="invalid_metric")
        if not 1 <= len(points) <= MAX_MATRIX_POINTS:
            raise InvalidInput(
                f"A matrix takes 1 to {MAX_MATRIX_POINTS} points.", code="matrix_size"
            )
        graph, closed = self.state()
        costs = self.costs(graph, metric, closed)
        snaps = [self.snap(graph, p, closed) for p in points]
        exits = [self._exits(graph, s, metric, closed) for s in snaps]
        entries = [self._entries(graph, s, metric, closed) for s in snaps]
        # Points reached from more nodes than others (copies at restricted crossings): the
        # rest padded with their first node at no use (infinite cost), so the kernel takes one
        # rectangular array and searches for no node it would not anyway.
        width = max(len(e[0]) for e in entries)
        entry_nodes = np.zeros((len(entries), width), dtype=np.int64)
        entry_costs = np.full((len(entries), width), np.inf)
        for i, (nodes, entry) in enumerate(entries):
            entry_nodes[i, :] = nodes[0]
            entry_nodes[i, : len(nodes)] = nodes
            entry_costs[i, : len(nodes)] = entry
        exit_nodes, exit_costs = np.stack([e[0] for e in exits]), np.stack([e[1] for e in exits])
        with _PARALLEL:
            # The hierarchy knows the streets without closures: with one in force, or until the
            # hierarchy is ready, the matrix searches the whole graph.
            hierarchy = None if closed else self.hierarchy(graph, metric)
            if hierarchy is None:
                result = kernels.many_to_many(graph.offsets, graph.heads, costs, exit_nodes,
                                              exit_costs, entry_nodes, entry_costs)  # fmt: skip
            else:
                result = ch.ch_many_to_many(
                    *hierarchy, exit_nodes, exit_costs, entry_nodes, entry_costs
                )
        for i, a in enumerate(snaps):
            for j, b in enumerate(snaps):
                direct = self._same_edge(graph, a, b, metric, closed)
                if direct is not None and direct < result[i, j]:
                    result[i, j] = direct
            result[i, i] = 0.0
        return [[float(v) if math.isfinite(v) else None for v in row] for row in result]


ENGINES = {"graph": GraphRouter}


@cache
def router() -> Router:
    """The engine the ``ROUTER`` setting names (one per process: it holds the graph)."""
    return engine_from_setting("ROUTER", ENGINES)


def router_forget() -> None:
    """Drop this process's engine, its graph and its listening connection; the next call to
    ``router()`` makes a new one."""
    if router.cache_info().currsize:
        router().close()
    router.cache_clear()


def router_state_changed() -> None:
    """Tell this process's engine, if it has one, that the closures or the graph changed (the
    routing services call it when their transaction commits)."""
    if router.cache_info().currsize:
        router().state_changed()
