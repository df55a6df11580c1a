import pytest
from rest_framework.authtoken.models import Token

from addressing.services import building_numbering_apply, postcodes_assign
from core.roles import Role
from tests.factories import UserFactory, buildings_beside


@pytest.fixture
def numbered(irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.2, 0.6), fractions_right=(0.4,))
    building_numbering_apply(street=irsal)
    postcodes_assign(zone=zone)
    return irsal


def token_client(api_client, role: Role):
    user = UserFactory(role=role)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def test_search_answers_json_with_candidates_and_notes(api_client, numbered):
    response = api_client.get("/api/v1/geocode/search", {"q": "شارع الإرسال ٣"})
    assert response.status_code == 200
    body = response.json()
    assert body["notes"] == ["Arabic-Indic digits read as 0-9"]
    first = body["candidates"][0]
    assert first["label_en"].startswith("3 Al-Irsal Street")
    assert first["synthetic"] is False
    assert first["postcode"].startswith("P600")


def test_bad_queries_are_400_with_a_message(api_client, db):
    for params, message in [
        ({"q": ""}, "The query is empty"),
        ({"q": "a" * 300}, "longest accepted is 200"),
        ({"q": "Irsal", "limit": 500}, "limit"),
    ]:
        response = api_client.get("/api/v1/geocode/search", params)
        assert response.status_code == 400, params
        assert message in response.json()["error"]["message"]


def test_reverse_checks_coordinates_and_says_when_nothing_is_near(api_client, numbered):
    assert api_client.get("/api/v1/geocode/reverse", {"lon": 200, "lat": 31.9}).status_code == 400
    far = api_client.get("/api/v1/geocode/reverse", {"lon": 35.5, "lat": 31.5})
    assert far.status_code == 404
    assert far.json()["error"]["code"] == "no_address_nearby"


def test_postcode_endpoint_reads_and_explains(api_client, numbered):
    building = numbered.buildings.get(number=3)
    found = api_client.get(f"/api/v1/postcodes/{building.postcode}").json()
    assert found["id"] == building.pk
    malformed = api_client.get("/api/v1/postcodes/P12")
    assert malformed.status_code == 400
    assert "P and 7 digits" in malformed.json()["error"]["message"]


def test_address_is_formatted_in_both_languages(api_client, numbered):
    building = numbered.buildings.get(number=1)
    body = api_client.get(
        f"/api/v1/addresses/{building.pk}", {"recipient": "Lina Haddad", "digits": "arab"}
    ).json()
    assert body["lines_en"] == ["Lina Haddad", "1 Al-Irsal Street", f"RAMALLAH {building.postcode}"]
    assert body["lines_ar"] == [
        "Lina Haddad",
        "شارع الإرسال، مبنى ١",
        f"رام الله {building.postcode}",
    ]


def test_couriers_use_the_api_with_a_token(api_client, numbered):
    client = token_client(api_client, Role.COURIER)
    assert client.get("/api/v1/geocode/search", {"q": "Irsal 1"}).status_code == 200
    denied = client.post(f"/api/v1/streets/{numbered.pk}/numbering", {"apply": True})
    assert denied.status_code == 403


def test_a_token_is_issued_for_a_username_and_password(api_client, db):
    UserFactory(username="courier1", role=Role.COURIER)
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "courier1", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_addressing_officers_preview_then_apply_numbering(api_client, irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.2, 0.6))
    client = token_client(api_client, Role.ADDRESSING_OFFICER)
    url = f"/api/v1/streets/{irsal.pk}/numbering"
    preview = client.post(url, {"apply": False}, format="json").json()
    assert [c["new"] for c in preview] == ["1", "3"]
    assert not irsal.buildings.filter(number__isnull=False).exists()
    client.post(url, {"apply": True}, format="json")
    assert sorted(irsal.buildings.values_list("number", flat=True)) == [1, 3]


def test_the_openapi_document_describes_the_geocoder(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/geocode/search", "/api/v1/geocode/reverse", "/api/v1/postcodes/{code}"]:
        assert path in schema["paths"]
