"""The admin manages layers through the same services and checks as the API."""

from layers.models import Layer
from tests.factories import layer_with_points


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
        },
    )
    assert response.status_code == 200
    assert "does not fit the layer" in response.content.decode()
