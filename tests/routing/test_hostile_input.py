"""The hostile-input corpus (tests/hostile.py) against every routing endpoint: each case is
refused with a 4xx and a message, and no table changes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from tests.factories import UserFactory
from tests.hostile import (
    GEOMETRIES,
    INJECTIONS,
    filter_cases,
    hostile_endpoint,
    huge_polygon,
    raw_bodies,
    text_cases,
)
from tests.routing.conftest import SOUTH, STEP, WEST

COVERED = {
    "routing:route",
    "routing:matrix",
    "routing:closures",
    "routing:closure-lift",
}

POINT = f"{WEST},{SOUTH}"


@pytest.fixture
def dispatcher_client(client, grid_town):
    client.force_login(UserFactory(role=Role.DISPATCHER))
    return client


def _closure(**change) -> dict:
    now = timezone.now()
    return {
        "geometry": {"type": "LineString", "coordinates": [[WEST, SOUTH], [WEST + STEP, SOUTH]]},
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "reason_en": "Roadworks",
        **change,
    }


def test_hostile_route_parameters_are_refused_and_change_nothing(client, grid_town):
    with hostile_endpoint("GET /api/v1/routing/route") as run:
        for name, value in {**filter_cases(), "nan": "nan,nan", "inf": "inf,0"}.items():
            for param in ("from", "to"):
                other = "to" if param == "from" else "from"
                run.send(
                    f"{param}={name}",
                    lambda p=param, o=other, v=value: client.get(
                        "/api/v1/routing/route", {p: v, o: POINT}
                    ),
                )
        for name, value in filter_cases().items():
            run.send(
                f"metric={name}",
                lambda v=value: client.get(
                    "/api/v1/routing/route", {"from": POINT, "to": POINT, "metric": v}
                ),
            )


def test_hostile_matrix_bodies_are_refused_and_change_nothing(client, grid_town):
    url = "/api/v1/routing/matrix"
    with hostile_endpoint("POST /api/v1/routing/matrix") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: client.post(url, b, content_type="application/json"))
        for name, value in INJECTIONS.items():
            run.send(
                f"point={name}",
                lambda v=value: client.post(
                    url, {"points": [[v, 31.9], [35.2, 31.9]]}, content_type="application/json"
                ),
            )
            run.send(
                f"metric={name}",
                lambda v=value: client.post(
                    url,
                    {"points": [[35.2, 31.9], [35.2, 31.9]], "metric": v},
                    content_type="application/json",
                ),
            )
        # Ten thousand points: a matrix of a hundred million cells is not a request.
        run.send(
            "too_many_points",
            lambda: client.post(
                url, {"points": [[35.2, 31.9]] * 10_000}, content_type="application/json"
            ),
        )


def test_hostile_closures_are_refused_and_change_nothing(dispatcher_client):
    url = "/api/v1/routing/closures"

    def post(body):
        data = body if isinstance(body, bytes) else json.dumps(body)
        return dispatcher_client.post(url, data, content_type="application/json")

    with hostile_endpoint("POST /api/v1/routing/closures") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: post(b))
        for name, geometry in {**GEOMETRIES, "huge": huge_polygon()}.items():
            run.send(f"geometry={name}", lambda g=geometry: post(_closure(geometry=g)))
        run.send(
            "geometry_with_crs",
            lambda: post(
                _closure(
                    geometry={
                        "type": "Point",
                        "coordinates": [35.2, 31.9],
                        "crs": {"type": "name", "properties": {"name": "+init=/etc/passwd:4326"}},
                    }
                )
            ),
        )
        for name, text in text_cases().items():
            for field in ("reason_en", "reason_ar"):
                run.send(f"{field}={name}", lambda f=field, t=text: post(_closure(**{f: t})))
        for name, value in filter_cases().items():
            for field in ("starts_at", "ends_at"):
                run.send(f"{field}={name}", lambda f=field, v=value: post(_closure(**{f: v})))


def test_hostile_closure_lifts_are_refused_and_change_nothing(dispatcher_client):
    with hostile_endpoint("POST /api/v1/routing/closures/<pk>/lift") as run:
        for pk in (0, 2**31, 2**63):
            run.send(
                f"pk={pk}",
                lambda p=pk: dispatcher_client.post(f"/api/v1/routing/closures/{p}/lift"),
            )
        for name, body in raw_bodies().items():
            run.send(
                name,
                lambda b=body: dispatcher_client.post(
                    "/api/v1/routing/closures/1/lift", b, content_type="application/json"
                ),
            )
