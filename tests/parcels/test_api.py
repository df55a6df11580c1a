"""The register over HTTP: everyone reads identifier, area and zoning; only cadastre officers and
administrators read parties and rights, through every endpoint that serves parcels, and only
they change the register."""

import math
from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.roles import Role
from parcels.services import RightSpec, parcel_rights_set, party_create, source_document_upload
from tests.factories import PARCEL_SIZE, UserFactory

OWNER = "Mariam Secret-Owner"
OWNER_ID = "987654321"
X0, Y0 = 35.200, 31.900


@pytest.fixture
def owned(pair, officer):
    """Parcel 1/1 owned by one person on record, with a deed."""
    party = party_create(kind="person", name_ar="مريم", name_en=OWNER, national_id=OWNER_ID)
    deed = source_document_upload(
        kind="deed",
        reference="D-1",
        upload=SimpleUploadedFile("deed.pdf", b"%PDF-1.4 deed of " + OWNER.encode()),
        user=officer,
    )
    parcel_rights_set(
        parcel=pair[0],
        rights=[RightSpec(party=party, kind="ownership", share=Fraction(1))],
        user=officer,
        reason=f"Sale to {OWNER}",
        documents=[deed],
    )
    return {"parcel": pair[0], "neighbour": pair[1], "party": party, "deed": deed}


def client_for(role: Role | None) -> APIClient:
    client = APIClient()
    if role is not None:
        client.force_authenticate(UserFactory(role=role))
    return client


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def every_parcel_endpoint(owned) -> list[str]:
    pk = owned["parcel"].pk
    x, y = tile_of(X0 + PARCEL_SIZE / 2, Y0 + PARCEL_SIZE / 2, 17)
    return [
        f"/api/v1/parcels/{pk}",
        f"/api/v1/parcels/{pk}/lineage",
        "/api/v1/parcels/lookup?identifier=Ramallah%201/1",
        f"/api/v1/parcels/lookup?lon={X0 + 0.0001}&lat={Y0 + 0.0001}",
        "/ogcapi/collections/parcels/items?f=json",
        f"/ogcapi/collections/parcels/items/{pk}?f=json",
        f"/tiles/parcels/17/{x}/{y}.mvt",
        "/api/v1/collections/parcels/export?format=geojson",
        "/api/v1/collections/parcels/export?format=csv",
    ]


@pytest.mark.parametrize("role", [None, Role.PLANNER, Role.ADDRESSING_OFFICER, Role.COURIER])
def test_no_endpoint_shows_owners_to_anyone_but_the_cadastre(owned, role):
    client = client_for(role)
    for url in every_parcel_endpoint(owned):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert OWNER.encode() not in body, url
        assert OWNER_ID.encode() not in body, url
        assert b"Sale to" not in body, url  # the transaction's reason


@pytest.mark.parametrize("role", [Role.CADASTRE_OFFICER, Role.ADMINISTRATOR])
def test_cadastre_officers_and_administrators_read_the_rights(owned, role):
    client = client_for(role)
    body = client.get(f"/api/v1/parcels/{owned['parcel'].pk}").json()
    assert body["rights"][0]["party"]["name_en"] == OWNER
    assert body["rights"][0]["share"] == "1/1"
    rights = client.get(f"/api/v1/parcels/{owned['parcel'].pk}/rights").json()["rights"]
    assert [r["party"]["national_id"] for r in rights] == [OWNER_ID]
    document = client.get(f"/api/v1/parcels/documents/{owned['deed'].pk}/file")
    assert document.status_code == 200
    assert OWNER.encode() in b"".join(document.streaming_content)


@pytest.mark.parametrize("role", [None, Role.PLANNER])
def test_rights_and_documents_are_refused_to_others(owned, role):
    client = client_for(role)
    pk = owned["parcel"].pk
    assert client.get(f"/api/v1/parcels/{pk}/rights").status_code in (401, 403)
    deed = client.get(f"/api/v1/parcels/documents/{owned['deed'].pk}/file")
    assert deed.status_code in (401, 403)
    assert OWNER.encode() not in deed.content


def test_the_public_reads_identifier_area_and_zoning(owned):
    body = client_for(None).get("/api/v1/parcels/lookup?identifier=Ramallah 1/1").json()
    assert body["identifier"] == "Ramallah 1/1"
    assert 400 < body["area_m2"] < 440
    assert body["land_use"] == "unzoned"
    assert "rights" not in body
    assert body["geometry"]["type"] == "Polygon"


def test_a_planner_cannot_split_a_parcel(pair):
    response = client_for(Role.PLANNER).post(
        f"/api/v1/parcels/{pair[0].pk}/split",
        {"reason": "Sale", "cut_lines": [cut()]},
        format="json",
    )
    assert response.status_code == 403


def cut(fraction: float = 0.5) -> dict:
    x = X0 + fraction * PARCEL_SIZE
    return {"type": "LineString", "coordinates": [[x, Y0 - 0.0001], [x, Y0 + 0.0003]]}


def test_an_officer_splits_over_http_and_the_lineage_shows_it(pair):
    client = client_for(Role.CADASTRE_OFFICER)
    response = client.post(
        f"/api/v1/parcels/{pair[0].pk}/split",
        {"reason": "Inheritance", "cut_lines": [cut()]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 201, response.content
    children = response.json()["children"]
    assert [c["identifier"] for c in children] == ["Ramallah 1/3", "Ramallah 1/4"]
    lineage = client.get(f"/api/v1/parcels/{pair[0].pk}/lineage").json()
    assert {d["child"] for d in lineage["descendants"]} == {"Ramallah 1/3", "Ramallah 1/4"}
    assert lineage["descendants"][0]["transaction"]["reason"] == "Inheritance"


@pytest.mark.parametrize(
    ("request_body", "status", "code"),
    [
        ({"reason": "Sale", "cut_lines": [cut(0.01)]}, 400, "parcel_min_area"),
        (
            {"reason": "Sale", "cut_lines": [{"type": "Point", "coordinates": [35.2, 31.9]}]},
            400,
            "geometry_type",
        ),
        ({"reason": "Sale", "cut_lines": ["not geojson"]}, 400, "invalid_geometry"),
        ({"reason": "", "cut_lines": [cut()]}, 400, "reason_missing"),
    ],
)
def test_a_bad_split_gets_a_clear_error_and_changes_nothing(
    pair, register_checksum, request_body, status, code
):
    before = register_checksum()
    response = client_for(Role.CADASTRE_OFFICER).post(
        f"/api/v1/parcels/{pair[0].pk}/split", request_body, format="json"
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert register_checksum() == before


def test_a_stale_version_gets_412(pair):
    response = client_for(Role.CADASTRE_OFFICER).post(
        f"/api/v1/parcels/{pair[0].pk}/split",
        {"reason": "Sale", "cut_lines": [cut()]},
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412
    assert response.json()["error"]["details"]["version"] == 1


def test_a_merge_of_parcels_far_apart_gets_400_naming_them(pair, locality, town, officer):
    from parcels.services import parcel_create
    from tests.factories import parcel_square

    far = parcel_create(
        locality=locality,
        municipality=town,
        basin=1,
        number=7,
        geom=parcel_square(col=5, row=5),
        user=officer,
        reason="Test",
    )
    response = client_for(Role.CADASTRE_OFFICER).post(
        "/api/v1/parcels/merge",
        {"reason": "Consolidation", "parcels": [pair[0].pk, far.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "Ramallah 1/7" in response.json()["error"]["message"]


def test_an_adjustment_that_overlaps_a_third_parcel_gets_409(locality, town, officer):
    from tests.factories import parcels_grid

    first, second, third = parcels_grid(locality=locality, town=town, user=officer, cols=3)
    # 1/1 reaches into 1/3 as well: the land is outside 1/1 and 1/2.
    from django.contrib.gis.geos import Polygon

    grown = Polygon.from_bbox((X0, Y0, X0 + 2.5 * PARCEL_SIZE, Y0 + PARCEL_SIZE))
    response = client_for(Role.CADASTRE_OFFICER).post(
        f"/api/v1/parcels/{first.pk}/adjust",
        {
            "reason": "Survey",
            "neighbour": second.pk,
            "geometry": {"type": "Polygon", "coordinates": [list(map(list, grown.coords[0]))]},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "adjust_outside"
    assert third.pk  # untouched
