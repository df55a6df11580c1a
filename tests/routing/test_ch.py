"""The contraction hierarchy answers every matrix exactly as Dijkstra over the whole graph."""

import numpy as np
import pytest

from routing import ch, kernels


def city(size: int, seed: int):
    """A synthetic size x size street grid as arcs: costs vary, a tenth of the streets are
    one-way, some arcs are doubled with another cost and some cost nothing, and one corner
    block is cut off from the rest."""
    rng = np.random.default_rng(seed)
    index = np.arange(size * size).reshape(size, size)
    tails, heads = [], []
    for a, b in ((index[:, :-1], index[:, 1:]), (index[:-1, :], index[1:, :])):
        a, b = a.ravel(), b.ravel()
        both = rng.random(a.size) > 0.1
        tails += [a, b[both]]
        heads += [b, a[both]]
    tails, heads = np.concatenate(tails), np.concatenate(heads)
    costs = rng.uniform(5, 60, tails.size)
    costs[rng.random(tails.size) < 0.02] = 0.0
    doubled = rng.random(tails.size) < 0.05
    tails = np.concatenate([tails, tails[doubled]])
    heads = np.concatenate([heads, heads[doubled]])
    costs = np.concatenate([costs, costs[doubled] * rng.uniform(0.5, 1.5, doubled.sum())])
    island = (index[:3, :3]).ravel()
    cut = np.isin(tails, island) != np.isin(heads, island)
    tails, heads, costs = tails[~cut], heads[~cut], costs[~cut]
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    offsets = np.searchsorted(tails, np.arange(size * size + 1))
    return size * size, offsets, tails, heads, costs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_hierarchy_matrix_equals_dijkstra_on_a_synthetic_city(seed):
    n, offsets, tails, heads, costs = city(24, seed)
    rng = np.random.default_rng(seed)
    # Each point is left or reached by up to three nodes at a cost, padded with inf.
    points = rng.choice(n, (40, 3))
    entry = rng.uniform(0, 30, (40, 3))
    entry[rng.random((40, 3)) < 0.3] = np.inf
    expected = kernels.many_to_many(offsets, heads, costs, points, entry, points, entry)
    forward, backward = ch.ch_build(n, tails, heads, costs)
    found = ch.ch_many_to_many(forward, backward, points, entry, points, entry)
    assert np.isinf(expected).any()  # the island
    assert np.isfinite(expected).any()
    assert np.array_equal(np.isinf(found), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.allclose(found[finite], expected[finite], rtol=1e-12, atol=1e-9)


def test_every_arc_of_the_hierarchy_climbs():
    # Forward arcs leave a node for a later one, backward arcs hold arcs into a node from a
    # later one, reversed: together they order the nodes (no cycle), or a search could loop.
    n, _offsets, tails, heads, costs = city(12, 4)
    forward, backward = ch.ch_build(n, tails, heads, costs)
    indegree = np.zeros(n, np.int64)
    for offsets, ends, _weights in (forward, backward):
        assert offsets[-1] == ends.size
        np.add.at(indegree, ends, 1)
    ready = [v for v in range(n) if indegree[v] == 0]
    ordered = 0
    while ready:
        v = ready.pop()
        ordered += 1
        for offsets, ends, _weights in (forward, backward):
            for w in ends[offsets[v] : offsets[v + 1]]:
                indegree[w] -= 1
                if indegree[w] == 0:
                    ready.append(w)
    assert ordered == n


def test_a_graph_without_arcs_gives_unreachable_pairs_and_zero_on_the_diagonal():
    n = 5
    empty = np.empty(0, np.int64)
    forward, backward = ch.ch_build(n, empty, empty, np.empty(0))
    points = np.arange(n).reshape(-1, 1)
    zero = np.zeros((n, 1))
    found = ch.ch_many_to_many(forward, backward, points, zero, points, zero)
    assert np.array_equal(np.diag(found), np.zeros(n))
    assert np.isinf(found[~np.eye(n, dtype=bool)]).all()
