"""The engine hears of closures and rebuilds through PostgreSQL notifications: with nothing
changed a route asks the database nothing about the routing state, and a committed change is
in force for the very next route, even after the listening connection was lost."""

import time
from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from routing.selectors import route_find
from routing.services import closure_create, closure_lift
from tests.routing.conftest import SOUTH, STEP, WEST

# Committed writes, as in production: notifications are sent only when a transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


def at(col: float, row: float) -> Point:
    return Point(WEST + STEP * col, SOUTH + STEP * row, srid=4326)


def state_queries(captured) -> int:
    return sum("routing_graphbuild" in q["sql"] for q in captured.captured_queries)


def row_one_closed() -> object:
    return closure_create(
        geom=LineString(at(1.8, 1).coords, at(2.2, 1).coords, srid=4326),
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        reason_en="Water main repair",
    )


def shortest() -> float:
    return route_find(origin=at(1, 1), destination=at(3, 1), metric="shortest")["distance_m"]


def test_with_nothing_changed_a_route_does_not_ask_for_the_routing_state(grid_town):
    first = shortest()
    with CaptureQueriesContext(connection) as captured:
        again = shortest()
    assert state_queries(captured) == 0
    assert again == pytest.approx(first)


def test_a_closure_this_process_commits_is_in_force_for_the_very_next_route(grid_town):
    before = shortest()
    closure = row_one_closed()
    with CaptureQueriesContext(connection) as captured:
        during = shortest()
    assert state_queries(captured) == 1
    assert during > before + 300  # around the block
    closure_lift(closure=closure)
    assert shortest() == pytest.approx(before)


def row_one_closed_by_another_process() -> None:
    other = connection.Database.connect(**connection.get_connection_params())
    with other, other.cursor() as cursor:  # commits on leaving, as another web process would
        cursor.execute(
            "INSERT INTO routing_closure (geom, reason_ar, reason_en, starts_at, ends_at, "
            "created_at, updated_at) VALUES (ST_GeomFromText(%s, 4326), '', 'Burst pipe', "
            "now() - interval '1 minute', NULL, now(), now())",
            [LineString(at(1.8, 1).coords, at(2.2, 1).coords).wkt],
        )
    other.close()


def test_a_closure_another_process_commits_is_heard_through_the_notification(grid_town):
    before = shortest()
    row_one_closed_by_another_process()
    # The notification reaches this process a moment after the commit: within a second.
    deadline = time.monotonic() + 1.0
    while shortest() < before + 300:
        assert time.monotonic() < deadline, "the closure was not heard within a second"
        time.sleep(0.005)


def test_a_lost_listening_connection_is_opened_again_and_no_change_goes_unheard(grid_town):
    before = shortest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query = 'LISTEN routing_state' AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchall() == [(True,)]
    row_one_closed_by_another_process()  # committed while nobody listened
    assert shortest() > before + 300
    with CaptureQueriesContext(connection) as captured:
        shortest()
    assert state_queries(captured) == 0  # listening again
