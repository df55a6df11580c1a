"""Every role against every endpoint that serves or changes a layer, on a public layer with
default rules, on an internal one, and on an internal one whose permissions name roles: the
whole matrix, not a sample. Each cell says the status the role must get."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role, role_group
from layers.models import AccessLevel, Feature, LayerPermission
from tests.factories import UserFactory, layer_with_points, town_create

ROLES = [None, *Role]
LAMP = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.201, 31.905]},
        "properties": {"lamp": "LED"}}  # fmt: skip


def endpoints(slug: str, feature_id: int) -> dict:
    """name -> (method, path, body)"""
    items = f"/ogcapi/collections/{slug}/items"
    return {
        "list": ("get", f"{items}?f=json", None),
        "read": ("get", f"{items}/{feature_id}?f=json", None),
        "tile": ("get", f"/tiles/{slug}/15/19588/13317.mvt", None),
        "export": ("get", f"/api/v1/collections/{slug}/export?format=csv", None),
        "history": ("get", f"/api/v1/collections/{slug}/items/{feature_id}/history", None),
        "create": ("post", items, LAMP),
        "update": ("patch", f"{items}/{feature_id}", {"type": "Feature", "properties": {}}),
        "delete": ("delete", f"{items}/{feature_id}", None),
        "administer": ("patch", f"/api/v1/layers/{slug}/", {"title_en": "Renamed"}),
    }


# Per role: which endpoints answer 2xx; every other one answers 401, 403 or 404.
STAFF_READ = {"list", "read", "tile", "export", "history"}
EDIT = STAFF_READ | {"create", "update", "delete", "administer"}
PUBLIC_READ = {"list", "read", "tile", "export"}
EXPECTED = {
    # A public layer without permission rows.
    "public": {
        None: PUBLIC_READ,
        Role.COURIER: PUBLIC_READ,
        Role.DISPATCHER: STAFF_READ,
        Role.ADDRESSING_OFFICER: STAFF_READ,
        Role.CADASTRE_OFFICER: STAFF_READ,
        Role.PLANNER: EDIT,
        Role.ADMINISTRATOR: EDIT,
    },
    # An internal layer without permission rows: staff see it, planners edit it.
    "internal": {
        None: set(),
        Role.COURIER: set(),
        Role.DISPATCHER: STAFF_READ,
        Role.ADDRESSING_OFFICER: STAFF_READ,
        Role.CADASTRE_OFFICER: STAFF_READ,
        Role.PLANNER: EDIT,
        Role.ADMINISTRATOR: EDIT,
    },
    # An internal layer whose rows let dispatchers edit and cadastre officers view.
    "restricted": {
        None: set(),
        Role.COURIER: set(),
        Role.DISPATCHER: STAFF_READ | {"create", "update", "delete"},
        Role.ADDRESSING_OFFICER: set(),
        Role.CADASTRE_OFFICER: STAFF_READ,
        Role.PLANNER: set(),
        Role.ADMINISTRATOR: EDIT,
    },
}


@pytest.fixture
def layer(request, db):
    town_create()
    kind = request.param
    made = layer_with_points(
        slug=f"lights-{kind}",
        visibility="public" if kind == "public" else "internal",
        points=[(35.2000, 31.9050)],
    )
    if kind == "restricted":
        LayerPermission.objects.create(
            layer=made, group=role_group(Role.DISPATCHER), level=AccessLevel.EDIT
        )
        LayerPermission.objects.create(
            layer=made, group=role_group(Role.CADASTRE_OFFICER), level=AccessLevel.VIEW
        )
    return kind, made


@pytest.mark.parametrize("layer", ["public", "internal", "restricted"], indirect=True)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: getattr(r, "value", "public"))
def test_every_role_gets_exactly_its_rights_on_every_endpoint(layer, role):
    kind, made = layer
    client = APIClient()
    if role is not None:
        client.force_login(UserFactory(role=role))
    allowed = EXPECTED[kind][role]
    first = Feature.objects.filter(layer=made).order_by("pk").first()
    # In this order, the feature is deleted last of all its uses.
    for name, (method, path, body) in endpoints(made.slug, first.pk).items():
        feature = Feature.objects.filter(pk=first.pk).first() or first
        headers = {"HTTP_IF_MATCH": f'"{feature.version}"'} if method in ("patch", "delete") else {}
        response = getattr(client, method)(path, body, format="json", **headers)
        if response.streaming:
            b"".join(response.streaming_content)
        if name in allowed:
            assert response.status_code < 300, (kind, role, name, response.status_code)
        else:
            assert response.status_code in (401, 403, 404), (kind, role, name, response.status_code)
