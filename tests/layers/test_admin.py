"""The admin manages layers through the same services and checks as the API."""

from core.roles import Role, role_group
from layers.models import AccessLevel, Layer, LayerPermission
from tests.factories import layer_with_points

# The layer form's inline of role permissions: none given.
NO_PERMISSIONS = {"permissions-TOTAL_FORMS": "0", "permissions-INITIAL_FORMS": "0"}


def test_admin_creates_a_layer_through_the_services(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/en/admin/layers/layer/add/",
        {
            "slug": "trees",
            "title_en": "Street trees",
            "title_ar": "أشجار الشوارع",
            "geometry_type": "Point",
            "schema": '[{"name": "species", "type": "string"}]',
            "style": "{}",
            "visibility": "public",
            **NO_PERMISSIONS,
        },
    )
    assert response.status_code == 302
    layer = Layer.objects.get(slug="trees")
    assert layer.created_by == administrator
    assert layer.schema[0]["title_en"] == "species"  # normalised by the service


def test_admin_refuses_a_reserved_slug_with_a_form_error(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/en/admin/layers/layer/add/",
        {
            "slug": "municipalities",
            "title_en": "x",
            "geometry_type": "Point",
            "schema": "[]",
            "style": "{}",
            "visibility": "public",
            **NO_PERMISSIONS,
        },
    )
    assert response.status_code == 200
    assert "is the name of another collection" in response.content.decode()
    assert not Layer.objects.filter(slug="municipalities").exists()


def test_admin_refuses_a_schema_the_features_break(client, administrator):
    layer = layer_with_points(points=[(35.2042, 31.9038)])
    client.force_login(administrator)
    response = client.post(
        f"/en/admin/layers/layer/{layer.pk}/change/",
        {
            "title_en": "Street lights",
            "schema": '[{"name": "lamp", "type": "integer"}]',
            "style": "{}",
            "visibility": "public",
            **NO_PERMISSIONS,
        },
    )
    assert response.status_code == 200
    assert "does not fit the layer" in response.content.decode()


def test_admin_grants_a_role_a_level_on_a_layer(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/en/admin/layers/layer/add/",
        {
            "slug": "valves",
            "title_en": "Valves",
            "geometry_type": "Point",
            "schema": "[]",
            "style": "{}",
            "visibility": "internal",
            "permissions-TOTAL_FORMS": "1",
            "permissions-INITIAL_FORMS": "0",
            "permissions-0-group": str(role_group(Role.DISPATCHER).pk),
            "permissions-0-level": str(AccessLevel.EDIT),
        },
    )
    assert response.status_code == 302
    (granted,) = LayerPermission.objects.filter(layer__slug="valves")
    assert (granted.group.name, granted.level) == ("dispatcher", AccessLevel.EDIT)
