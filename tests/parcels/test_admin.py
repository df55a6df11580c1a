import pytest

from core.roles import Role
from parcels.services import party_create
from tests.factories import UserFactory


@pytest.fixture
def party(db):
    return party_create(kind="person", name_ar="مالك", name_en="Hidden Owner")


def test_the_cadastre_looks_up_parties_in_the_admin_but_cannot_change_them(client, party):
    client.force_login(UserFactory(role=Role.CADASTRE_OFFICER))
    listing = client.get("/en/admin/parcels/party/")
    assert listing.status_code == 200
    assert "Hidden Owner" in listing.content.decode()
    assert client.get("/en/admin/parcels/party/add/").status_code == 403


def test_other_staff_do_not_see_parties_in_the_admin(client, party):
    client.force_login(UserFactory(role=Role.PLANNER))
    listing = client.get("/en/admin/parcels/party/")
    assert listing.status_code == 403
    assert "Hidden Owner" not in listing.content.decode()


def test_administrators_see_parcels_read_only(client, administrator, pair):
    client.force_login(administrator)
    listing = client.get("/en/admin/parcels/parcel/")
    assert listing.status_code == 200
    assert "Ramallah 1/1" in listing.content.decode()
    assert client.get(f"/en/admin/parcels/parcel/{pair[0].pk}/delete/").status_code == 403
