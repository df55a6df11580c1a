"""Boundaries are reference data: staff can read them in the admin, not edit them there."""

from boundaries.models import Municipality


def test_administrator_can_view_but_not_change_a_municipality(
    client, administrator, reference_data
):
    client.force_login(administrator)
    url = f"/en/admin/boundaries/municipality/{Municipality.objects.get(slug='ramallah').pk}/"
    page = client.get(f"{url}change/")
    assert page.status_code == 200
    assert "Ramallah" in page.content.decode()
    response = client.post(f"{url}change/", {"name_en": "Renamed"})
    assert response.status_code == 403
    assert Municipality.objects.get(slug="ramallah").name_en == "Ramallah"
