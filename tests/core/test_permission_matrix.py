"""The role and permission matrix, whole: every route that writes (and every page or read that
is not public) against the public and each of the six roles. A role the matrix allows passes
the door (its request then fails on the deliberately empty body or the missing object: 400,
404, 405...); every other role is refused with 401/403, and the public is sent to sign in on
pages. A route that writes but is missing from the matrix fails the coverage test, so a new
route cannot arrive without its row."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from core.roles import Role
from tests.factories import (
    UserFactory,
    layer_with_points,
    locality_create,
    parcels_grid,
    town_create,
)

PUBLIC = None
PL, CA, AD = Role.PLANNER, Role.CADASTRE_OFFICER, Role.ADDRESSING_OFFICER
DI, CO, ADMIN = Role.DISPATCHER, Role.COURIER, Role.ADMINISTRATOR
SIGNED_IN = frozenset(Role)
STAFF = SIGNED_IN - {CO}
REGISTER = frozenset({CA, ADMIN})
LAYERS = frozenset({PL, ADMIN})
DISPATCH = frozenset({DI, ADMIN})
ADDRESSING = frozenset({AD, ADMIN})
COURIER_ON_RECORD: frozenset = frozenset()
M = 999_999  # an object that does not exist: allowed roles get past the door to a 404

# (method, path, roles allowed). {layer}, {item}, {parcel} and {job} are filled in per test.
MATRIX: list[tuple[str, str, frozenset]] = [
    ("GET", "/api/v1/jobs/", SIGNED_IN),
    ("GET", "/api/v1/jobs/{job}/", SIGNED_IN),
    ("POST", "/api/v1/jobs/{job}/cancel/", SIGNED_IN),
    ("GET", "/api/v1/jobs/{job}/file", SIGNED_IN),
    ("POST", "/api/v1/collections/{layer}/exports", SIGNED_IN),
    ("POST", "/api/v1/collections/{layer}/tile-seeding", LAYERS),
    ("POST", "/api/v1/parcels/audits", REGISTER),
    ("POST", "/api/v1/boundaries/reference-data/reload/", frozenset({ADMIN})),
    ("POST", "/api/v1/geocode/batch", frozenset({DI, CO, AD, ADMIN})),
    ("GET", "/api/v1/geocode/batch/{job}/result", frozenset({DI, CO, AD, ADMIN})),
    ("POST", "/api/v1/addresses", ADDRESSING),
    ("POST", f"/api/v1/addresses/{M}/retire", ADDRESSING),
    ("POST", f"/api/v1/streets/{M}/numbering", ADDRESSING),
    ("GET", "/api/v1/delivery/board", DISPATCH),
    ("POST", "/api/v1/delivery/plans", DISPATCH),
    ("POST", "/api/v1/delivery/shifts", DISPATCH),
    ("POST", "/api/v1/delivery/imports", DISPATCH),
    ("POST", f"/api/v1/delivery/rounds/{M}/stops", DISPATCH),
    ("POST", f"/api/v1/delivery/orders/{M}/ready", DISPATCH),
    ("POST", f"/api/v1/delivery/orders/{M}/collected", DISPATCH),
    ("GET", "/api/v1/delivery/notices", DISPATCH),
    ("POST", "/api/v1/delivery/notices", DISPATCH),
    # A round is its courier's or the dispatchers': signed in at the door, then the round
    # decides (tests/delivery covers another courier's round).
    ("GET", f"/api/v1/delivery/rounds/{M}", SIGNED_IN),
    # Starting a round and reading "my round" need a courier on record (a Courier row, see
    # tests/delivery): a role alone, even the administrator's, is refused.
    ("POST", f"/api/v1/delivery/rounds/{M}/start", COURIER_ON_RECORD),
    ("POST", f"/api/v1/delivery/rounds/{M}/position", SIGNED_IN),
    ("GET", "/api/v1/delivery/courier/round", COURIER_ON_RECORD),
    ("POST", "/api/v1/delivery/proofs", SIGNED_IN),
    ("POST", "/api/v1/routing/closures", frozenset({PL, DI, ADMIN})),
    ("POST", f"/api/v1/routing/closures/{M}/lift", frozenset({PL, DI, ADMIN})),
    ("POST", "/api/v1/parcels/merge", REGISTER),
    ("POST", "/api/v1/parcels/documents", REGISTER),
    ("GET", f"/api/v1/parcels/documents/{M}/file", REGISTER),
    ("GET", "/api/v1/parcels/{parcel}/rights", REGISTER),
    ("PUT", "/api/v1/parcels/{parcel}/rights", REGISTER),
    ("POST", "/api/v1/parcels/{parcel}/split", REGISTER),
    ("POST", "/api/v1/parcels/{parcel}/adjust", REGISTER),
    ("POST", "/api/v1/parcels/{parcel}/retire", REGISTER),
    ("POST", "/api/v1/layers/", LAYERS),
    ("PATCH", "/api/v1/layers/{layer}/", LAYERS),
    ("DELETE", "/api/v1/layers/{layer}/", LAYERS),
    ("POST", "/api/v1/layers/imports/", LAYERS),
    ("POST", "/api/v1/rasters/", LAYERS),
    ("POST", "/ogcapi/collections/{layer}/items", LAYERS),
    ("PUT", "/ogcapi/collections/{layer}/items/{item}", LAYERS),
    ("PATCH", "/ogcapi/collections/{layer}/items/{item}", LAYERS),
    ("DELETE", "/ogcapi/collections/{layer}/items/{item}", LAYERS),
    ("POST", "/api/v1/collections/{layer}/merge", LAYERS),
    ("POST", "/api/v1/collections/{layer}/items/{item}/split", LAYERS),
    ("POST", "/api/v1/collections/{layer}/items/{item}/restore", LAYERS),
    ("POST", "/api/v1/auth/token/", frozenset({PUBLIC, *SIGNED_IN})),
    # Pages.
    ("GET", "/en/editor/", STAFF),
    ("GET", "/en/editor/jobs/", STAFF),
    ("GET", "/en/layers/import/", LAYERS),
    ("GET", "/en/delivery/dispatch/", DISPATCH),
    ("GET", "/en/routing/closures/", frozenset({PL, DI, ADMIN})),
    # Citizens' service requests: every staff member sees every department's queue, moves a
    # request along (POST) and sees its photo.
    ("GET", "/en/service-requests/staff/", STAFF),
    ("POST", "/en/service-requests/staff/", STAFF),
    ("GET", f"/en/service-requests/staff/{M}/photo", STAFF),
    # Its JSON twin for departments' own tools: the queue and status changes.
    ("GET", "/api/v1/service-requests/", STAFF),
    ("POST", "/api/v1/service-requests/SR-NONE/status", STAFF),
]

# Writes anyone may make: citizens order a delivery, check a document, route, compute zonal
# statistics of a public raster; the language switch and signing in and out.
PUBLIC_WRITES = {
    ("POST", "delivery_api:orders"),
    ("POST", "delivery_api:check"),
    # The citizen rates their delivery: no account, the secret tracking token in the path is
    # the credential (tests/delivery/test_feedback.py: unknown tokens 404, once per order).
    ("POST", "delivery_api:track-feedback"),
    ("POST", "routing:matrix"),
    # Citizens report a problem without an account (Open311 POST requests.json, rate-limited
    # per address): the municipality's boundary, the service list and the photo checks guard it.
    ("POST", "open311:requests"),
    ("POST", "rasters_api:zonal-statistics"),
    # Other government bodies' systems validate addresses (a read, though it is a POST): no
    # session and no role, each call authenticated by its client's exchange token and
    # refused 401/403 without one (tests/exchange/test_services_over_http.py).
    ("POST", "exchange:address-validation"),
    ("POST", "set_language"),
    ("POST", "login"),
    ("PUT", "login"),
    ("POST", "logout"),
}


@pytest.fixture
def world(db):
    planner = UserFactory(role=PL)
    town = town_create()
    layer = layer_with_points(points=[(35.2, 31.905)], user=planner)
    parcel = parcels_grid(
        locality=locality_create(town=town), town=town, user=UserFactory(role=CA), cols=1
    )[0]
    return {
        "layer": layer.slug,
        "item": str(layer.features.first().pk),
        "parcel": parcel.pk,
        "job": uuid.uuid4(),
    }


def _send(client: APIClient, method: str, path: str):
    send = getattr(client, method.lower())
    return send(path, {}, format="json") if method != "GET" else send(path)


@pytest.mark.parametrize("role", [PUBLIC, *Role], ids=lambda r: r.value if r else "public")
def test_each_role_passes_exactly_the_doors_the_matrix_opens(world, role):
    client = APIClient()
    if role is not None:
        user = UserFactory(role=role)
        client.force_authenticate(user)  # the API
        client.force_login(user)  # the pages
    wrong = []
    for method, template, allowed in MATRIX:
        path = template.format(**world)
        status = _send(client, method, path).status_code
        refused = status in (401, 403) or (status == 302 and role is None)
        if (role in allowed) == refused:
            expected = "allowed" if role in allowed else "refused"
            wrong.append(f"{method} {path}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def _writes() -> set[tuple[str, str]]:
    """(method, URL name) of every route whose view takes a write method."""
    found = set()

    def walk(resolver: URLResolver, namespace: str = "") -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":
                    inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                    walk(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "view_class", None) or getattr(
                    pattern.callback, "cls", None
                )
                for method in ("post", "put", "patch", "delete"):
                    if view is not None and hasattr(view, method):
                        found.add((method.upper(), f"{namespace}{pattern.name}"))

    walk(get_resolver())
    return found


def test_every_write_route_has_a_row_in_the_matrix(world):
    rows = {(m, resolve(t.format(**world).split("?")[0]).view_name) for m, t, _ in MATRIX}
    # Plain Django views that write (OGC API items) take their methods in the function.
    missing = sorted(_writes() - rows - PUBLIC_WRITES)
    assert not missing, f"write routes without a row in the permission matrix: {missing}"
