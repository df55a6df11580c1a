"""The routing API as clients call it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from routing.models import Closure
from tests.factories import UserFactory
from tests.routing.conftest import SOUTH, STEP, WEST

pytestmark = pytest.mark.django_db


def lonlat(col: float, row: float) -> str:
    return f"{WEST + STEP * col},{SOUTH + STEP * row}"


def test_a_route_answers_its_line_distance_duration_and_instructions(client, grid_town):
    response = client.get("/api/v1/routing/route", {"from": lonlat(0, 0.5), "to": lonlat(3, 1)})
    assert response.status_code == 200
    body = response.json()
    assert body["geometry"]["type"] == "LineString"
    assert body["distance_m"] > 600
    assert body["duration_s"] > 0
    assert body["instructions"][-1]["text_ar"] == "وصلت إلى وجهتك"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "abc", "to": "35.2,31.9"},
        {"from": "35.2", "to": "35.2,31.9"},
        {"from": "nan,1", "to": "1,1"},
        {},
    ],
)
def test_a_route_between_malformed_points_is_refused(client, grid_town, params):
    response = client.get("/api/v1/routing/route", params)
    assert response.status_code == 400


def test_a_matrix_answers_seconds_between_every_pair(client, grid_town):
    points = [[WEST, SOUTH], [WEST + STEP * 4, SOUTH + STEP * 4], [WEST + STEP * 2, SOUTH + STEP]]
    response = client.post(
        "/api/v1/routing/matrix", {"points": points}, content_type="application/json"
    )
    assert response.status_code == 200
    values = response.json()["values"]
    assert len(values) == 3
    assert all(len(row) == 3 for row in values)
    assert values[0][1] > values[0][2] > 0


def test_a_matrix_of_bad_points_is_refused(client, grid_town):
    for payload in ({"points": []}, {"points": [[1]]}, {"points": "x"}, {"points": [[1, 2]] * 201}):
        response = client.post("/api/v1/routing/matrix", payload, content_type="application/json")
        assert response.status_code == 400


def test_only_planners_and_dispatchers_add_closures(client, grid_town):
    now = timezone.now()
    closure = {
        "geometry": {"type": "LineString", "coordinates": [[WEST, SOUTH], [WEST + STEP, SOUTH]]},
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "reason_en": "Roadworks",
    }
    assert client.post(
        "/api/v1/routing/closures", closure, content_type="application/json"
    ).status_code in (401, 403)
    client.force_login(UserFactory(role=Role.PLANNER))
    response = client.post("/api/v1/routing/closures", closure, content_type="application/json")
    assert response.status_code == 201
    assert client.get("/api/v1/routing/closures").json()[0]["reason_en"] == "Roadworks"
    lifted = client.post(f"/api/v1/routing/closures/{response.json()['id']}/lift")
    assert lifted.status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "invalid_geometry",
        ),
        ({"ends_at": "2026-11-22T08:00:00+02:00"}, "closure_times"),
        ({"reason_en": ""}, "reason_missing"),
        ({"starts_at": "tomorrow"}, "invalid_date"),
    ],
)
def test_a_bad_closure_is_refused_and_nothing_is_stored(client, grid_town, change, code):
    client.force_login(UserFactory(role=Role.DISPATCHER))
    closure = {
        "geometry": {"type": "LineString", "coordinates": [[WEST, SOUTH], [WEST + STEP, SOUTH]]},
        "starts_at": "2026-11-23T08:00:00+02:00",
        "ends_at": "2026-11-24T08:00:00+02:00",
        "reason_en": "Roadworks",
        **change,
    }
    response = client.post("/api/v1/routing/closures", closure, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Closure.objects.exists()
