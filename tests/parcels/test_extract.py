"""The printable extract: identifier, area, zoning and a map for everyone; parties and rights
only on the cadastre's extracts."""

from fractions import Fraction

import pytest

from core.roles import Role
from parcels.services import RightSpec, parcel_rights_set, party_create
from tests.factories import UserFactory

OWNER = "Yusuf Private-Owner"


@pytest.fixture
def owned(pair, officer):
    party = party_create(kind="person", name_ar="يوسف", name_en=OWNER, national_id="4455")
    parcel_rights_set(
        parcel=pair[0],
        rights=[RightSpec(party=party, kind="ownership", share=Fraction(1))],
        user=officer,
        reason="Deed",
    )
    return pair[0]


def test_the_public_extract_shows_area_zoning_and_map_but_no_owner(client, owned):
    response = client.get(f"/en/parcels/{owned.pk}/extract")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ramallah 1/1" in page
    assert "m²" in page
    assert 'class="parcel"' in page  # the map: the parcel among its neighbours
    assert page.count('class="neighbour"') == 1
    assert OWNER not in page
    assert "not shown on public extracts" in page
    assert response["Cache-Control"] == "private, no-store"


def test_the_arabic_extract_reads_right_to_left(client, owned):
    page = client.get(f"/ar/parcels/{owned.pk}/extract").content.decode()
    assert 'dir="rtl"' in page


@pytest.mark.parametrize("role", [Role.CADASTRE_OFFICER, Role.ADMINISTRATOR])
def test_the_cadastre_extract_lists_the_rights(client, owned, role):
    client.force_login(UserFactory(role=role))
    page = client.get(f"/en/parcels/{owned.pk}/extract").content.decode()
    assert OWNER in page
    assert "1/1" in page


def test_a_planner_extract_shows_no_owner(client, owned):
    client.force_login(UserFactory(role=Role.PLANNER))
    assert OWNER not in client.get(f"/en/parcels/{owned.pk}/extract").content.decode()


def test_the_extract_is_also_a_pdf(client, owned):
    response = client.get(f"/en/parcels/{owned.pk}/extract?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert len(response.content) > 10_000  # the fonts are embedded


def test_an_unknown_parcel_or_format_gets_a_clear_error(client, owned):
    assert client.get("/en/parcels/999999/extract").status_code == 404
    assert client.get(f"/en/parcels/{owned.pk}/extract?format=docx").status_code == 400
