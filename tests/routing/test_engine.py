"""Routes and matrices on the street register: exact, legal, aware of closures."""

import heapq
import random
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection
from django.utils import timezone

from core.errors import InvalidInput, NotFound
from routing import kernels
from routing.engines import router
from routing.models import Edge, GraphBuild, Node
from routing.selectors import route_find, travel_matrix
from routing.services import closure_create, closure_lift
from tests.routing.conftest import LINES, SOUTH, STEP, WEST

pytestmark = pytest.mark.django_db


def at(col: float, row: float) -> Point:
    """A point at grid position (col, row), 0 being the south-west crossing."""
    return Point(WEST + STEP * col, SOUTH + STEP * row, srid=4326)


def test_streets_are_cut_where_they_cross_and_one_way_streets_open_one_way(grid_town):
    build = GraphBuild.objects.get()
    assert (build.nodes, build.edges) == (25, 40)
    assert Node.objects.count() == 25
    one_way = Edge.objects.filter(street__code="ROW-2")
    assert one_way.count() == 4
    assert all(e.reverse_cost_s == -1 and e.cost_s > 0 for e in one_way)
    two_way = Edge.objects.filter(street__code="ROW-1").first()
    assert two_way.cost_s == pytest.approx(two_way.reverse_cost_s)
    # 40 km/h on a street: seconds = metres / (40 / 3.6)
    assert two_way.cost_s == pytest.approx(two_way.length_m / (40 / 3.6))


def test_a_route_follows_the_streets_with_instructions_in_both_languages(grid_town):
    found = route_find(origin=at(0, 0.5), destination=at(3, 1), metric="shortest")
    # Up Column 0 to Row 1, then east along Row 1: 0.5 + 3 grid steps.
    expected = 0.5 * Edge.objects.filter(street__code="COL-0").first().length_m + sum(
        e.length_m for e in Edge.objects.filter(street__code="ROW-1")[:3]
    )
    assert found["distance_m"] == pytest.approx(expected, rel=0.01)
    kinds = [(i["kind"], i["modifier"]) for i in found["instructions"]]
    assert kinds == [("depart", "north"), ("turn", "right"), ("arrive", "")]
    assert found["instructions"][1]["text_en"] == "Turn right onto Row 1 Street"
    assert found["instructions"][1]["text_ar"] == "انعطف يميناً إلى شارع الصف 1"
    line = found["geometry"]["coordinates"]
    assert line[0] == pytest.approx([WEST, SOUTH + STEP * 0.5], abs=1e-6)
    assert line[-1] == pytest.approx([WEST + STEP * 3, SOUTH + STEP], abs=1e-6)


def test_a_one_way_street_is_never_driven_against_its_direction(grid_town):
    along = route_find(origin=at(0, 2), destination=at(4, 2), metric="shortest")
    against = route_find(origin=at(4, 2), destination=at(0, 2), metric="shortest")
    assert along["distance_m"] < against["distance_m"]  # back west takes a parallel street
    assert [i["street_en"] for i in against["instructions"]][:1] != ["Row 2 Street"]


def test_the_fastest_route_prefers_the_faster_road(grid_town):
    fastest = route_find(origin=at(0, 0.2), destination=at(4, 0.2), metric="fastest")
    streets = {i["street_en"] for i in fastest["instructions"] if i["street_en"]}
    assert "Row 0 Street" in streets  # the 50 km/h road, not a 40 km/h street


def test_a_closure_is_avoided_by_the_next_route_and_lifting_it_reopens_the_street(grid_town):
    before = route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")
    closure = closure_create(
        geom=LineString(at(1.8, 1).coords, at(2.2, 1).coords, srid=4326),
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        reason_en="Water main repair",
    )
    during = route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")
    assert during["distance_m"] > before["distance_m"] + 300  # around the block
    closure_lift(closure=closure)
    after = route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")
    assert after["distance_m"] == pytest.approx(before["distance_m"])


def test_a_future_closure_does_not_close_the_street_yet(grid_town):
    closure_create(
        geom=LineString(at(1.8, 1).coords, at(2.2, 1).coords, srid=4326),
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
        reason_ar="أعمال صيانة",
    )
    found = route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")
    assert found["instructions"][0]["street_en"] == "Row 1 Street"
    assert len(found["instructions"]) == 2


def test_a_point_far_from_any_street_is_unreachable(grid_town):
    with pytest.raises(NotFound) as refused:
        route_find(origin=Point(35.30, 31.95, srid=4326), destination=at(1, 1))
    assert refused.value.code == "unreachable_point"


def test_a_street_that_joins_no_other_has_no_route_to_it(grid_town):
    from addressing.services import street_create
    from routing.services import routing_graph_build

    lone = LineString(at(6, 0).coords, at(6, 4).coords, srid=4326)  # 380 m east of the grid
    street_create(
        municipality=grid_town, code="LONE", name_ar="شارع منعزل", name_en="Lone Street", geom=lone
    )
    routing_graph_build()
    with pytest.raises(NotFound) as refused:
        route_find(origin=at(0, 0), destination=at(6, 2))
    assert refused.value.code == "no_route"
    assert travel_matrix(points=[at(0, 0), at(6, 2)])[0][1] is None


def test_a_route_starts_from_the_nearest_open_street_when_its_own_is_closed(grid_town):
    closure_create(
        geom=LineString(at(0.5, 0.9).coords, at(0.5, 1.1).coords, srid=4326),
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        reason_en="Festival",
    )
    found = route_find(origin=at(0.5, 1), destination=at(3, 1), metric="shortest")
    assert found["instructions"][0]["street_en"] != "Row 1 Street" or found["snapped_m"][0] > 50


def test_an_unknown_metric_is_refused(grid_town):
    with pytest.raises(InvalidInput):
        route_find(origin=at(0, 0), destination=at(1, 1), metric="scenic")


def _dijkstra(offsets, heads, costs, source: int) -> np.ndarray:
    dist = np.full(len(offsets) - 1, np.inf)
    dist[source] = 0
    queue = [(0.0, source)]
    while queue:
        d, u = heapq.heappop(queue)
        if d > dist[u]:
            continue
        for arc in range(offsets[u], offsets[u + 1]):
            v, nd = heads[arc], d + costs[arc]
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(queue, (nd, v))
    return dist


def test_routes_between_nodes_cost_exactly_what_dijkstra_and_pgrouting_find(grid_town):
    graph = router().graph()
    costs = graph.arc_cost["fastest"]
    rng = random.Random(3)
    pairs = [(rng.randrange(25), rng.randrange(25)) for _ in range(30)]
    for s, t in pairs:
        best, _end, _via = kernels.astar(
            graph.offsets, graph.heads, costs, graph.lons, graph.lats, 1 / graph.top_speed_ms,
            np.array([s]), np.array([0.0]), np.array([t]), np.array([0.0]),
        )  # fmt: skip
        exact = _dijkstra(graph.offsets, graph.heads, costs, s)[t]
        assert best == pytest.approx(exact, abs=1e-6)
        with_landmarks, _end, _via = kernels.alt_astar(
            graph.offsets, graph.heads, costs,
            graph.land_from["fastest"], graph.land_to["fastest"],
            np.array([s]), np.array([0.0]), np.array([t]), np.array([0.0]),
        )  # fmt: skip
        assert with_landmarks == pytest.approx(exact, abs=1e-6)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(max(agg_cost), 0) FROM pgr_dijkstra("
                "'SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost "
                "FROM routing_edge', %s, %s, true)",
                [int(graph.node_ids[s]), int(graph.node_ids[t])],
            )
            assert cursor.fetchone()[0] == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("hierarchy_ready", [False, True])
def test_a_matrix_holds_the_cost_of_every_route(grid_town, hierarchy_ready):
    if hierarchy_ready:  # else the matrix may search the whole graph while it is built
        assert router().hierarchy(router().graph(), "shortest", wait=True) is not None
    points = [at(0, 0.5), at(3, 1), at(4, 3.5), at(1.5, 4)]
    values = travel_matrix(points=points, metric="shortest")
    assert [values[i][i] for i in range(4)] == [0.0] * 4
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i != j:
                expected = route_find(origin=a, destination=b, metric="shortest")["distance_m"]
                assert values[i][j] == pytest.approx(expected, abs=0.2)


def test_a_matrix_goes_round_a_closure_though_the_hierarchy_knows_the_street_open(grid_town):
    assert router().hierarchy(router().graph(), "shortest", wait=True) is not None
    before = travel_matrix(points=[at(1, 1), at(3, 1)], metric="shortest")[0][1]
    closure_create(
        geom=LineString(at(1.8, 1).coords, at(2.2, 1).coords, srid=4326),
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        reason_en="Water main repair",
    )
    during = travel_matrix(points=[at(1, 1), at(3, 1)], metric="shortest")[0][1]
    expected = route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")
    assert during > before + 300
    assert during == pytest.approx(expected["distance_m"], abs=0.2)


def test_the_engine_reloads_the_graph_after_a_rebuild(grid_town):
    from routing.services import routing_graph_build

    first = router().graph().build_id
    routing_graph_build()
    assert router().graph().build_id != first
    assert LINES == 5


def test_a_point_on_a_crossing_leaves_it_any_legal_way(grid_town):
    # (2, 2) is on the one-way Row 2 Street: wherever the point snaps, it is at the crossing.
    found = route_find(origin=at(2, 2), destination=at(2, 3), metric="shortest")
    column = Edge.objects.filter(street__code="COL-2").order_by("pk")[2]
    assert found["distance_m"] == pytest.approx(column.length_m, abs=0.06)  # rounded to 0.1 m


def test_the_graph_command_builds_and_warms_the_engine(grid_town):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("routing_graph_build", stdout=out)
    assert "25 nodes, 40 edges" in out.getvalue()
    assert "Routing engine compiled and loaded" in out.getvalue()
