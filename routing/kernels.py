"""The routing engine's inner loops, compiled by numba: A* between two points and Dijkstra from
many sources to many targets, on a graph in compressed sparse row form.

The graph: ``offsets[v]..offsets[v+1]`` index the directed arcs leaving node ``v``; ``heads``
is the node each arc reaches, ``costs`` its cost (seconds or metres, never negative;
``inf`` for a closed arc). Node positions (degrees) feed the A* bound: the straight-line
distance to the nearest target, in the same unit as the costs (``bound_scale``: 1 for metres,
1/top speed in m/s for seconds), which never overestimates, so routes are exact.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Kernels release the GIL (nogil): a long build or search in a job must not starve the job's
# heartbeat thread, or the job would be taken for lost (jobs.runner).

EARTH_RADIUS_M = 6_371_008.8
# The straight line is measured on a sphere and the arcs on the ellipsoid, which differ by up to
# 0.6 % (north-south, near the equator): 1 % of slack keeps the bound below every real cost.
BOUND_SLACK = 0.99


@njit(cache=True, inline="always")
def haversine(lon1, lat1, lon2, lat2):
    """Metres between two points (degrees) on the mean sphere."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


# A binary heap of (key, node) in two arrays, moving a hole instead of swapping: half the
# writes on the hot path of every search.
@njit(cache=True, inline="always")
def _push(keys, nodes, size, key, node):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit(cache=True, inline="always")
def _pop(keys, nodes, size):
    key = keys[0]
    node = nodes[0]
    size -= 1
    last_key = keys[size]
    last_node = nodes[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if last_key <= keys[child]:
            break
        keys[i] = keys[child]
        nodes[i] = nodes[child]
        i = child
    keys[i] = last_key
    nodes[i] = last_node
    return key, node, size


@njit(cache=True, nogil=True)
def astar(offsets, heads, costs, lons, lats, bound_scale, starts, start_costs, ends, end_costs):
    """The cheapest path from any of ``starts`` (entered at ``start_costs``) to any of ``ends``
    (left at ``end_costs``): returns (cost, the end node reached, the arc into each node on
    the way, or -1). Cost ``inf``: no path."""
    n = offsets.shape[0] - 1
    dist = np.full(n, np.inf)
    via = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    capacity = heads.shape[0] + starts.shape[0] + 1
    keys = np.empty(capacity)
    nodes = np.empty(capacity, dtype=np.int64)
    size = 0
    end_lon = lons[ends]
    end_lat = lats[ends]

    def bound(v):
        best = np.inf
        for k in range(end_lon.shape[0]):
            d = haversine(lons[v], lats[v], end_lon[k], end_lat[k])
            if d < best:
                best = d
        return best * bound_scale * BOUND_SLACK

    for k in range(starts.shape[0]):
        s = starts[k]
        if start_costs[k] < dist[s]:
            dist[s] = start_costs[k]
            size = _push(keys, nodes, size, start_costs[k] + bound(s), s)
    is_end = np.full(n, -1, dtype=np.int64)
    for k in range(ends.shape[0]):
        if is_end[ends[k]] < 0 or end_costs[k] < end_costs[is_end[ends[k]]]:
            is_end[ends[k]] = k
    best = np.inf
    best_end = -1
    while size > 0:
        key, u, size = _pop(keys, nodes, size)
        if key >= best:
            break
        if done[u]:
            continue
        done[u] = True
        if is_end[u] >= 0:
            total = dist[u] + end_costs[is_end[u]]
            if total < best:
                best = total
                best_end = u
        for arc in range(offsets[u], offsets[u + 1]):
            v = heads[arc]
            if done[v]:
                continue
            candidate = dist[u] + costs[arc]
            if candidate < dist[v]:
                dist[v] = candidate
                via[v] = arc
                size = _push(keys, nodes, size, candidate + bound(v), v)
    return best, best_end, via


@njit(cache=True, nogil=True)
def _one_to_many(offsets, heads, costs, starts, start_costs, target_nodes, out):
    # Dijkstra from one point (its start nodes) until every target node is settled; ``out``
    # receives the cost to each target node.
    n = offsets.shape[0] - 1
    dist = np.full(n, np.inf)
    wanted = np.zeros(n, dtype=np.bool_)
    remaining = 0
    for t in target_nodes:
        if not wanted[t]:
            wanted[t] = True
            remaining += 1
    capacity = heads.shape[0] + starts.shape[0] + 1
    keys = np.empty(capacity)
    nodes = np.empty(capacity, dtype=np.int64)
    size = 0
    for k in range(starts.shape[0]):
        if start_costs[k] < dist[starts[k]]:
            dist[starts[k]] = start_costs[k]
            size = _push(keys, nodes, size, start_costs[k], starts[k])
    while size > 0 and remaining > 0:
        key, u, size = _pop(keys, nodes, size)
        if key > dist[u]:
            continue  # an older, longer entry of a node already settled
        if wanted[u]:
            wanted[u] = False
            remaining -= 1
        for arc in range(offsets[u], offsets[u + 1]):
            v = heads[arc]
            candidate = key + costs[arc]
            if candidate < dist[v]:
                dist[v] = candidate
                size = _push(keys, nodes, size, candidate, v)
    for k in range(target_nodes.shape[0]):
        out[k] = dist[target_nodes[k]]


@njit(cache=True, parallel=True, nogil=True)
def many_to_many(offsets, heads, costs, source_nodes, source_costs, target_nodes, target_costs):
    """Costs from each source point to each target point. A source point is left by two nodes
    (the ends of the street it stands on), a target point reached from a few (those ends, and
    copies of them at restricted crossings), each with its cost (``inf`` where a one-way street
    forbids it, or padding): arrays of shape (points, nodes)."""
    m = source_nodes.shape[0]
    k = target_nodes.shape[0]
    width = target_nodes.shape[1]
    flat_targets = target_nodes.reshape(-1)
    result = np.full((m, k), np.inf)
    for i in prange(m):
        reached = np.empty(flat_targets.shape[0])
        _one_to_many(offsets, heads, costs, source_nodes[i], source_costs[i], flat_targets, reached)
        for j in range(k):
            best = np.inf
            for e in range(width):
                total = reached[width * j + e] + target_costs[j, e]
                if total < best:
                    best = total
            result[i, j] = best
    return result


@njit(cache=True, nogil=True)
def dijkstra_all(offsets, heads, costs, source):
    """Cost from ``source`` to every node (``inf`` where none)."""
    n = offsets.shape[0] - 1
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    capacity = heads.shape[0] + 2
    keys = np.empty(capacity)
    nodes = np.empty(capacity, dtype=np.int64)
    dist[source] = 0.0
    size = _push(keys, nodes, 0, 0.0, source)
    while size > 0:
        key, u, size = _pop(keys, nodes, size)
        if done[u]:
            continue
        done[u] = True
        for arc in range(offsets[u], offsets[u + 1]):
            v = heads[arc]
            candidate = key + costs[arc]
            if candidate < dist[v]:
                dist[v] = candidate
                size = _push(keys, nodes, size, candidate, v)
    return dist


@njit(cache=True, nogil=True)
def components(offsets, heads, rev_offsets, rev_heads):
    """The weakly connected component of each node (ignoring one-way directions)."""
    n = offsets.shape[0] - 1
    label = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    current = 0
    for seed in range(n):
        if label[seed] >= 0:
            continue
        stack[0] = seed
        label[seed] = current
        top = 1
        while top > 0:
            top -= 1
            u = stack[top]
            for arc in range(offsets[u], offsets[u + 1]):
                v = heads[arc]
                if label[v] < 0:
                    label[v] = current
                    stack[top] = v
                    top += 1
            for arc in range(rev_offsets[u], rev_offsets[u + 1]):
                v = rev_heads[arc]
                if label[v] < 0:
                    label[v] = current
                    stack[top] = v
                    top += 1
        current += 1
    return label


@njit(cache=True, inline="always")
def _alt_bound(v, e, active, land_from, land_to):
    # A lower bound on the cost from v to e by the triangle inequality through each landmark:
    # d(v, e) >= d(L, e) - d(L, v) and d(v, e) >= d(v, L) - d(e, L). Infinite terms (another
    # component) say nothing.
    best = 0.0
    for k in active:
        a = land_from[k, e]
        b = land_from[k, v]
        if a < np.inf and b < np.inf and a - b > best:
            best = a - b
        c = land_to[k, v]
        d = land_to[k, e]
        if c < np.inf and d < np.inf and c - d > best:
            best = c - d
    return best


@njit(cache=True, nogil=True)
def alt_astar(offsets, heads, costs, land_from, land_to, starts, start_costs, ends, end_costs):
    """A* with landmark bounds (ALT): the same answer as ``astar``, visiting far fewer nodes.
    ``land_from[k, v]``/``land_to[k, v]``: cost from/to landmark k on the graph without
    closures (closures only raise costs, so the bounds stay below the truth)."""
    n = offsets.shape[0] - 1
    kmax = land_from.shape[0]
    # The landmarks that bound the first start best: the rest add work, not precision.
    wanted = min(kmax, 6)
    scores = np.empty(kmax)
    for k in range(kmax):
        scores[k] = _alt_bound(starts[0], ends[0], np.array([k]), land_from, land_to)
    active = np.argsort(-scores)[:wanted]
    dist = np.full(n, np.inf)
    via = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    capacity = heads.shape[0] + starts.shape[0] + 1
    keys = np.empty(capacity)
    nodes = np.empty(capacity, dtype=np.int64)
    size = 0

    def bound(v):
        best = np.inf
        for j in range(ends.shape[0]):
            if end_costs[j] < np.inf:
                value = _alt_bound(v, ends[j], active, land_from, land_to) + end_costs[j]
                if value < best:
                    best = value
        return best

    for k in range(starts.shape[0]):
        s = starts[k]
        if start_costs[k] < dist[s]:
            dist[s] = start_costs[k]
            size = _push(keys, nodes, size, start_costs[k] + bound(s), s)
    is_end = np.full(n, -1, dtype=np.int64)
    for k in range(ends.shape[0]):
        if is_end[ends[k]] < 0 or end_costs[k] < end_costs[is_end[ends[k]]]:
            is_end[ends[k]] = k
    best = np.inf
    best_end = -1
    while size > 0:
        key, u, size = _pop(keys, nodes, size)
        if key >= best:
            break
        if done[u]:
            continue
        done[u] = True
        if is_end[u] >= 0:
            total = dist[u] + end_costs[is_end[u]]
            if total < best:
                best = total
                best_end = u
        for arc in range(offsets[u], offsets[u + 1]):
            v = heads[arc]
            if done[v]:
                continue
            candidate = dist[u] + costs[arc]
            if candidate < dist[v]:
                dist[v] = candidate
                via[v] = arc
                size = _push(keys, nodes, size, candidate + bound(v), v)
    return best, best_end, via
