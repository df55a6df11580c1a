"""Turn restrictions from the street register: routes and matrices never take a banned turn,
and a point standing on the crossing may still leave it any legal way."""

import pytest
from django.contrib.gis.geos import LineString, Point

from addressing.models import Street, TurnKind
from addressing.services import turn_restriction_create
from core.errors import InvalidInput
from routing.engines import router
from routing.models import GraphBuild
from routing.selectors import route_find, travel_matrix
from routing.services import routing_graph_build
from tests.routing.conftest import SOUTH, STEP, WEST

pytestmark = pytest.mark.django_db


def at(col: float, row: float) -> Point:
    return Point(WEST + STEP * col, SOUTH + STEP * row, srid=4326)


def street(code: str) -> Street:
    return Street.objects.get(code=code)


def restrict(kind: str, *, onto: str, onto_side: Point) -> None:
    """At the crossing of Row 1 and Column 2, for traffic arriving along Row 1 from the west."""
    turn_restriction_create(
        from_street=street("ROW-1"),
        to_street=street(onto),
        via=at(2, 1),
        kind=kind,
        from_side=at(1.5, 1),
        to_side=onto_side,
        source="test",
    )
    routing_graph_build()


def distance(origin: Point, destination: Point) -> float:
    return route_find(origin=origin, destination=destination, metric="shortest")["distance_m"]


def passes_through(route: dict, *points: Point) -> bool:
    line = LineString(route["geometry"]["coordinates"], srid=4326)
    return all(line.distance(p) < 1e-7 for p in points)


def test_a_banned_left_turn_is_never_taken_and_the_route_goes_round(grid_town):
    direct = distance(at(1.5, 1), at(2, 1.5))
    restrict(TurnKind.NO, onto="COL-2", onto_side=at(2, 1.5))
    detour = route_find(origin=at(1.5, 1), destination=at(2, 1.5), metric="shortest")
    assert detour["distance_m"] > direct + 300
    assert GraphBuild.objects.latest("pk").turns == 1
    # Westward traffic on Row 1 may still turn right into Column 2 at the same crossing.
    assert distance(at(2.5, 1), at(2, 1.5)) == pytest.approx(direct)


def test_an_only_straight_on_restriction_bans_every_other_turn(grid_town):
    right = distance(at(1.5, 1), at(2, 0.5))
    ahead = distance(at(1.5, 1), at(2.5, 1))
    restrict(TurnKind.ONLY, onto="ROW-1", onto_side=at(2.5, 1))
    assert distance(at(1.5, 1), at(2.5, 1)) == pytest.approx(ahead)
    assert distance(at(1.5, 1), at(2, 0.5)) > right + 300


def test_a_point_on_the_restricted_crossing_may_leave_it_any_legal_way(grid_town):
    restrict(TurnKind.NO, onto="COL-2", onto_side=at(2, 1.5))
    assert distance(at(2, 1), at(2, 1.5)) == pytest.approx(STEP * 0.5 * 111_195, rel=0.01)


def test_a_route_ending_on_the_crossing_may_arrive_by_the_banned_street(grid_town):
    restrict(TurnKind.NO, onto="COL-2", onto_side=at(2, 1.5))
    route = route_find(origin=at(1.5, 1), destination=at(2, 1), metric="shortest")
    assert route["distance_m"] == pytest.approx(STEP * 0.5 * 111_195 * 0.849, rel=0.02)


@pytest.mark.parametrize("hierarchy_ready", [False, True])
def test_the_matrix_respects_turn_restrictions_as_routes_do(grid_town, hierarchy_ready):
    restrict(TurnKind.NO, onto="COL-2", onto_side=at(2, 1.5))
    if hierarchy_ready:  # else the matrix may search the whole graph while it is built
        assert router().hierarchy(router().graph(), "shortest", wait=True) is not None
    points = [at(1.5, 1), at(2, 1.5), at(2.5, 1), at(2, 1), at(3, 3)]
    matrix = travel_matrix(points=points, metric="shortest")
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i != j:
                assert matrix[i][j] == pytest.approx(distance(a, b), abs=0.1)


def test_a_restriction_is_refused_off_its_streets_or_without_its_side(grid_town):
    with pytest.raises(InvalidInput) as off:
        turn_restriction_create(
            from_street=street("ROW-1"), to_street=street("COL-2"), via=at(2, 1.5), kind="no",
            from_side=at(1.5, 1), to_side=at(2, 1.8),
        )  # fmt: skip
    assert off.value.code == "turn_not_on_street"
    with pytest.raises(InvalidInput) as side:
        turn_restriction_create(
            from_street=street("ROW-1"), to_street=street("COL-2"), via=at(2, 1), kind="no"
        )
    assert side.value.code == "turn_side_missing"
    with pytest.raises(InvalidInput):
        turn_restriction_create(
            from_street=street("ROW-1"), to_street=street("COL-2"), via=at(2, 1), kind="maybe",
            from_side=at(1.5, 1), to_side=at(2, 1.5),
        )  # fmt: skip


def test_a_restriction_whose_streets_moved_apart_is_counted_unplaced(grid_town):
    restrict(TurnKind.NO, onto="COL-2", onto_side=at(2, 1.5))
    moved = LineString(at(2.3, 0).coords, at(2.3, 4).coords, srid=4326)
    Street.objects.filter(code="COL-2").update(geom=moved)
    build = routing_graph_build()
    assert (build.turns, build.turns_unplaced) == (0, 1)
