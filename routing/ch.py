"""Contraction hierarchies for travel-time matrices (compiled with numba).

Nodes are contracted one by one, least important first (by level so far, and by the arcs and
original arcs the shortcuts add for each one they take away; re-estimated when a node comes up,
Geisberger et al.); where no other path (a witness, searched locally) is as cheap as
u -> v -> w, a shortcut u -> w keeps the distance when v leaves. A matrix is then one small
upward search per point each way: the backward searches from the targets leave their
distances in buckets at the nodes they settle, and each forward search from a source reads
the buckets it meets (Knopp et al., many-to-many). Costs are exact; they are built on the
costs without closures, so the engine uses them only while no closure is in force.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from routing.kernels import _pop, _push

# Kernels release the GIL (nogil): a long build or search in a job must not starve the job's
# heartbeat thread, or the job would be taken for lost (jobs.runner).

# A witness search stops after settling this many nodes: a shortcut it fails to rule out is
# merely superfluous, never wrong. Estimating a node's priority needs less care than contracting.
WITNESS_SETTLE_LIMIT = 400
ESTIMATE_SETTLE_LIMIT = 60

# The graph still being contracted: for each node and direction (0: arcs leaving it, 1: arcs
# reaching it) a block of a shared pool holding (neighbour, cost, original arcs it stands for);
# a contracted node is taken out of its neighbours' blocks, so every search sees only the
# nodes left. A full block moves to the end of the pool with twice the room.
OUT, IN = 0, 1


@njit(cache=True, nogil=True)
def _find(pool, blocks, d, x, y):
    pool_node = pool[0]
    start, length = blocks[0], blocks[1]
    for i in range(start[d, x], start[d, x] + length[d, x]):
        if pool_node[i] == y:
            return i
    return -1


@njit(cache=True, nogil=True)
def _link(pool, blocks, top, d, x, y, cost, hops):
    """y into x's block in direction d, or its cost lowered; returns the pool's new top, -1
    when the pool is full."""
    pool_node, pool_cost, pool_hops = pool
    start, length, room = blocks
    at = _find(pool, blocks, d, x, y)
    if at >= 0:
        if cost < pool_cost[at]:
            pool_cost[at] = cost
            pool_hops[at] = hops
        return top
    if length[d, x] == room[d, x]:
        grown = max(4, 2 * room[d, x])
        if top + grown > pool_node.shape[0]:
            return -1
        old = start[d, x]
        for i in range(length[d, x]):
            pool_node[top + i] = pool_node[old + i]
            pool_cost[top + i] = pool_cost[old + i]
            pool_hops[top + i] = pool_hops[old + i]
        start[d, x] = top
        room[d, x] = grown
        top += grown
    at = start[d, x] + length[d, x]
    pool_node[at] = y
    pool_cost[at] = cost
    pool_hops[at] = hops
    length[d, x] += 1
    return top


@njit(cache=True, nogil=True)
def _unlink(pool, blocks, d, x, y):
    pool_node, pool_cost, pool_hops = pool
    start, length = blocks[0], blocks[1]
    at = _find(pool, blocks, d, x, y)
    if at >= 0:
        last = start[d, x] + length[d, x] - 1
        pool_node[at] = pool_node[last]
        pool_cost[at] = pool_cost[last]
        pool_hops[at] = pool_hops[last]
        length[d, x] -= 1


@njit(cache=True, inline="always")
def _relax(y, candidate, dist, touched, n_touched, keys, nodes, size):
    """A cheaper way to y: noted (and y remembered for the reset when first reached)."""
    if candidate < dist[y]:
        if dist[y] == np.inf:
            touched[n_touched] = y
            n_touched += 1
        dist[y] = candidate
        size = _push(keys, nodes, size, candidate, y)
    return n_touched, size


@njit(cache=True, nogil=True)
def _witness(u, v, limit, settle_limit, targets, pool, blocks, search):
    """Dijkstra from u among the nodes left, avoiding v, up to ``limit`` or until the
    ``targets`` nodes marked in ``wanted`` are settled; leaves the costs of paths found in
    ``dist`` (each a real path, settled or not) and returns how many entries of ``touched``
    to reset."""
    pool_node, pool_cost = pool[0], pool[1]
    start, length = blocks[0], blocks[1]
    dist, touched, keys, nodes, wanted = search
    n_touched = 1
    dist[u] = 0.0
    touched[0] = u
    size = _push(keys, nodes, 0, 0.0, u)
    settled = 0
    while size > 0 and settled < settle_limit:
        key, x, size = _pop(keys, nodes, size)
        if key > dist[x]:
            continue
        if key > limit:
            break
        if wanted[x]:
            targets -= 1
            if targets == 0:
                break
        settled += 1
        for i in range(start[OUT, x], start[OUT, x] + length[OUT, x]):
            y = pool_node[i]
            if y == v:
                continue
            if size < keys.shape[0]:  # else the path is still known, its node just not searched
                n_touched, size = _relax(y, key + pool_cost[i], dist, touched, n_touched, keys,
                                         nodes, size)  # fmt: skip
    return n_touched


@njit(cache=True, nogil=True)
def _shortcuts(v, settle_limit, pool, blocks, search, found_from, found_to, found_cost,
               found_hops):  # fmt: skip
    """The shortcuts v's contraction needs, written to ``found_*``; returns how many (-1 when
    more than those arrays hold)."""
    pool_node, pool_cost, pool_hops = pool
    start, length = blocks[0], blocks[1]
    dist, touched, wanted = search[0], search[1], search[4]
    found = 0
    out_base = start[OUT, v]
    for a in range(start[IN, v], start[IN, v] + length[IN, v]):
        u = pool_node[a]
        c_uv = pool_cost[a]
        limit = -1.0
        targets = 0
        for b in range(out_base, out_base + length[OUT, v]):
            w = pool_node[b]
            if w != u:
                targets += 1
                wanted[w] = True
                if c_uv + pool_cost[b] > limit:
                    limit = c_uv + pool_cost[b]
        if targets == 0:
            continue
        n_touched = _witness(u, v, limit, settle_limit, targets, pool, blocks, search)
        for b in range(out_base, out_base + length[OUT, v]):
            wanted[pool_node[b]] = False
        for b in range(out_base, out_base + length[OUT, v]):
            w = pool_node[b]
            via = c_uv + pool_cost[b]
            if w != u and dist[w] > via:
                if found >= found_from.shape[0]:
                    found = -1
                    break
                found_from[found] = u
                found_to[found] = w
                found_cost[found] = via
                found_hops[found] = pool_hops[a] + pool_hops[b]
                found += 1
        for i in range(n_touched):
            dist[touched[i]] = np.inf
        if found < 0:
            return -1
    return found


@njit(cache=True, nogil=True)
def _priority(v, pool, blocks, search, level, found_from, found_to, found_cost, found_hops):
    """v's priority (lowest contracted first): its level in the hierarchy so far, plus the arcs
    and original arcs its shortcuts would add for each one they take away (Geisberger et al.;
    quotients rather than differences keep the top of the hierarchy sparse)."""
    pool_hops = pool[2]
    start, length = blocks[0], blocks[1]
    found = _shortcuts(v, ESTIMATE_SETTLE_LIMIT, pool, blocks, search, found_from, found_to,
                       found_cost, found_hops)  # fmt: skip
    added_hops = 0
    if found < 0:
        found = found_from.shape[0]
        added_hops = 2 * found
    else:
        for s in range(found):
            added_hops += found_hops[s]
    removed = length[IN, v] + length[OUT, v]
    removed_hops = 0
    for d in range(2):
        for i in range(start[d, v], start[d, v] + length[d, v]):
            removed_hops += pool_hops[i]
    return level[v] + found / max(1, removed) + added_hops / max(1, removed_hops)


@njit(cache=True, nogil=True)
def _found_room(found_from, found_to, found_cost, found_hops, blocks, v):
    """Arrays for v's shortcuts: at most one per pair of its neighbours."""
    need = blocks[1][IN, v] * blocks[1][OUT, v]
    if need <= found_from.shape[0]:
        return found_from, found_to, found_cost, found_hops
    need *= 2
    return (
        np.empty(need, np.int64),
        np.empty(need, np.int64),
        np.empty(need),
        np.empty(need, np.int64),
    )


@njit(cache=True, nogil=True)
def _build(n, tails, heads, costs, capacity):
    """Contract every node; returns (ok, upward arcs as from, to, cost, forward?, their count).
    Not ok: the pool or the arrays of arcs were too small for ``capacity``."""
    pool = (np.empty(capacity, np.int64), np.empty(capacity), np.empty(capacity, np.int64))
    blocks = (np.zeros((2, n), np.int64), np.zeros((2, n), np.int64), np.zeros((2, n), np.int64))
    start, length = blocks[0], blocks[1]
    pool_node, pool_cost = pool[0], pool[1]
    arc_from = np.empty(capacity, np.int64)
    arc_to = np.empty(capacity, np.int64)
    arc_cost = np.empty(capacity)
    arc_up = np.empty(capacity, np.bool_)
    top = 0
    for k in range(tails.shape[0]):
        if tails[k] != heads[k] and costs[k] < np.inf:
            top = _link(pool, blocks, top, OUT, tails[k], heads[k], costs[k], 1)
            if top >= 0:
                top = _link(pool, blocks, top, IN, heads[k], tails[k], costs[k], 1)
            if top < 0:
                return False, arc_from, arc_to, arc_cost, arc_up, 0
    keys = np.empty(16 * WITNESS_SETTLE_LIMIT)
    search = (
        np.full(n, np.inf), np.empty(n, np.int64), keys, np.empty(keys.shape[0], np.int64),
        np.zeros(n, np.bool_),
    )  # fmt: skip
    found_from = np.empty(256, np.int64)
    found_to = np.empty(256, np.int64)
    found_cost = np.empty(256)
    found_hops = np.empty(256, np.int64)
    contracted = np.zeros(n, np.bool_)
    level = np.zeros(n, np.int64)
    priority = np.empty(n)
    # Stale entries are skipped when popped; a full queue is rebuilt with one entry per node.
    order_keys = np.empty(2 * n + 2 * tails.shape[0] + 1)
    order_nodes = np.empty(order_keys.shape[0], np.int64)
    size = 0
    for v in range(n):
        found_from, found_to, found_cost, found_hops = _found_room(
            found_from, found_to, found_cost, found_hops, blocks, v
        )
        priority[v] = _priority(v, pool, blocks, search, level, found_from, found_to,
                                found_cost, found_hops)  # fmt: skip
        size = _push(order_keys, order_nodes, size, priority[v], v)
    arcs = 0
    while size > 0:
        key, v, size = _pop(order_keys, order_nodes, size)
        if contracted[v] or key != priority[v]:
            continue  # contracted already, or queued again since with another priority
        # Neighbours contracted since v was queued change its priority: estimated again now
        # (lazy updates), and queued again unless it still comes first.
        found_from, found_to, found_cost, found_hops = _found_room(
            found_from, found_to, found_cost, found_hops, blocks, v
        )
        fresh = _priority(v, pool, blocks, search, level, found_from, found_to, found_cost,
                          found_hops)  # fmt: skip
        if size > 0 and fresh > order_keys[0]:
            priority[v] = fresh
            size = _push(order_keys, order_nodes, size, fresh, v)
            continue
        found_from, found_to, found_cost, found_hops = _found_room(
            found_from, found_to, found_cost, found_hops, blocks, v
        )
        found = _shortcuts(v, WITNESS_SETTLE_LIMIT, pool, blocks, search, found_from, found_to,
                           found_cost, found_hops)  # fmt: skip
        if found < 0 or arcs + length[IN, v] + length[OUT, v] > capacity:
            return False, arc_from, arc_to, arc_cost, arc_up, 0
        contracted[v] = True
        # v's arcs to the nodes left all lead upwards: forward ones leave v; backward ones are
        # the arcs into v, kept reversed so that a search from a target climbs too.
        for d in range(2):
            for i in range(start[d, v], start[d, v] + length[d, v]):
                x = pool_node[i]
                arc_from[arcs] = v
                arc_to[arcs] = x
                arc_cost[arcs] = pool_cost[i]
                arc_up[arcs] = d == OUT
                arcs += 1
                _unlink(pool, blocks, 1 - d, x, v)
                level[x] = max(level[x], level[v] + 1)
        for s in range(found):
            top = _link(pool, blocks, top, OUT, found_from[s], found_to[s], found_cost[s],
                        found_hops[s])  # fmt: skip
            if top >= 0:
                top = _link(pool, blocks, top, IN, found_to[s], found_from[s], found_cost[s],
                            found_hops[s])  # fmt: skip
            if top < 0:
                return False, arc_from, arc_to, arc_cost, arc_up, 0
    return True, arc_from, arc_to, arc_cost, arc_up, arcs


@njit(cache=True, nogil=True)
def _csr(n, keep_from, keep_to, costs):
    offsets = np.zeros(n + 1, np.int64)
    for k in range(keep_from.shape[0]):
        offsets[keep_from[k] + 1] += 1
    for i in range(n):
        offsets[i + 1] += offsets[i]
    fill = offsets[:-1].copy()
    ends = np.empty(keep_from.shape[0], np.int64)
    weights = np.empty(keep_from.shape[0])
    for k in range(keep_from.shape[0]):
        at = fill[keep_from[k]]
        ends[at] = keep_to[k]
        weights[at] = costs[k]
        fill[keep_from[k]] += 1
    return offsets, ends, weights


def ch_build(n: int, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray):
    """The hierarchy of a graph given as arcs: (forward upward CSR, backward upward CSR), each
    (offsets, heads, costs). Upward arcs lead to nodes contracted later; the backward graph
    holds each arc into a node from a later one, reversed, so a search from a target climbs."""
    capacity = 6 * len(tails) + 1024
    while True:
        ok, arc_from, arc_to, arc_cost, arc_up, count = _build(n, tails, heads, costs, capacity)
        if ok:
            break
        capacity *= 2  # more shortcuts than room for them: once more with twice the room
    arc_from, arc_to, arc_cost, arc_up = (
        arc_from[:count], arc_to[:count], arc_cost[:count], arc_up[:count]
    )  # fmt: skip
    forward = _csr(n, arc_from[arc_up], arc_to[arc_up], arc_cost[arc_up])
    backward = _csr(n, arc_from[~arc_up], arc_to[~arc_up], arc_cost[~arc_up])
    return forward, backward


@njit(cache=True, nogil=True)
def _upward(offsets, ends, weights, starts, start_costs, dist, touched, keys, nodes):
    """Dijkstra over upward arcs from several starts; returns how many nodes it reached (their
    ids first in ``touched``, their costs in ``dist``)."""
    n_touched = 0
    size = 0
    for k in range(starts.shape[0]):
        s = starts[k]
        if start_costs[k] < dist[s]:
            if dist[s] == np.inf:
                touched[n_touched] = s
                n_touched += 1
            dist[s] = start_costs[k]
            size = _push(keys, nodes, size, start_costs[k], s)
    while size > 0:
        key, x, size = _pop(keys, nodes, size)
        if key > dist[x]:
            continue
        for arc in range(offsets[x], offsets[x + 1]):
            n_touched, size = _relax(ends[arc], key + weights[arc], dist, touched, n_touched,
                                     keys, nodes, size)  # fmt: skip
    return n_touched


@njit(cache=True, parallel=True, nogil=True)
def ch_many_to_many(forward, backward, source_nodes, source_costs, target_nodes, target_costs):
    """Costs from each source point to each target point (shapes as ``many_to_many``)."""
    f_offsets, f_ends, f_weights = forward
    b_offsets, b_ends, b_weights = backward
    n = f_offsets.shape[0] - 1
    m = source_nodes.shape[0]
    k = target_nodes.shape[0]
    # Backward searches: bucket entries (node, target, cost), one search after another.
    bucket_node = np.empty(0, np.int64)
    bucket_target = np.empty(0, np.int64)
    bucket_cost = np.empty(0)
    dist = np.full(n, np.inf)
    touched = np.empty(n, np.int64)
    keys = np.empty(b_ends.shape[0] + target_nodes.shape[1] + 1)
    nodes = np.empty(keys.shape[0], np.int64)
    for j in range(k):
        reached = _upward(b_offsets, b_ends, b_weights, target_nodes[j], target_costs[j],
                          dist, touched, keys, nodes)  # fmt: skip
        ids = touched[:reached].copy()
        bucket_node = np.concatenate((bucket_node, ids))
        bucket_target = np.concatenate((bucket_target, np.full(reached, j, np.int64)))
        bucket_cost = np.concatenate((bucket_cost, dist[ids]))
        for i in range(reached):
            dist[touched[i]] = np.inf
    order = np.argsort(bucket_node, kind="mergesort")
    bucket_node, bucket_target, bucket_cost = (
        bucket_node[order], bucket_target[order], bucket_cost[order]
    )  # fmt: skip
    bucket_offsets = np.searchsorted(bucket_node, np.arange(n + 1))
    result = np.full((m, k), np.inf)
    for i in prange(m):
        own_dist = np.full(n, np.inf)
        own_touched = np.empty(n, np.int64)
        own_keys = np.empty(f_ends.shape[0] + source_nodes.shape[1] + 1)
        own_nodes = np.empty(own_keys.shape[0], np.int64)
        reached = _upward(f_offsets, f_ends, f_weights, source_nodes[i], source_costs[i],
                          own_dist, own_touched, own_keys, own_nodes)  # fmt: skip
        for r in range(reached):
            x = own_touched[r]
            for b in range(bucket_offsets[x], bucket_offsets[x + 1]):
                total = own_dist[x] + bucket_cost[b]
                if total < result[i, bucket_target[b]]:
                    result[i, bucket_target[b]] = total
    return result
