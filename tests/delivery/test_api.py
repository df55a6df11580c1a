"""The citizen's delivery API as a browser calls it."""

import pytest

from delivery.models import DeliveryOrder

pytestmark = pytest.mark.django_db


def test_checking_a_document_answers_its_title_not_its_holder(client, city):
    response = client.post(
        "/api/v1/delivery/check",
        {"reference": "ES-TEST-0001", "phone": "0599000001"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["title_en"] == "Birth certificate"
    assert "Test holder" not in str(body)
    assert "0001" in body["reference"]


def test_an_unknown_reference_is_a_404_with_a_code_the_page_words(client, city):
    response = client.post(
        "/api/v1/delivery/check",
        {"reference": "ES-NOPE", "phone": "0599000001"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "document_not_found"


def test_a_delivery_point_lists_its_office_and_windows(client, city):
    building = city["buildings"][0]
    body = client.get(f"/api/v1/delivery/point?address={building.pk}").json()
    assert body["address"]["postcode"] == building.postcode
    assert body["office"]["name_en"] == "Al-Manara Post Office"
    assert len(body["windows"]) == 10


def test_a_point_without_a_building_is_refused(client, city):
    response = client.get("/api/v1/delivery/point?lon=35.195&lat=31.913")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_delivery_point"


def test_nearest_offices_come_with_distance_and_hours(client, city):
    body = client.get("/api/v1/delivery/offices?lon=35.2041&lat=31.9040").json()
    assert [o["name_en"] for o in body] == ["Al-Manara Post Office", "Citizen Service Office"]
    assert body[0]["distance_m"] < 20
    assert body[0]["opening_hours"][0]["opens"] == "08:00"


def test_an_order_answers_a_tracking_link_that_alone_reads_it(client, city):
    response = client.post(
        "/api/v1/delivery/orders",
        {
            "reference": "ES-TEST-0002",
            "phone": "0599000002",
            "method": "collection",
            "office": city["offices"][1].pk,
            "contact_name": "Samir Khalil",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    url = response.json()["tracking_url"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    order = DeliveryOrder.objects.get()
    assert order.contact_name == "Samir Khalil"
    tracked = client.get(f"/api/v1/delivery/track/{token}")
    assert tracked.status_code == 200
    assert tracked["Cache-Control"] == "private, no-store"
    assert "Samir" not in tracked.content.decode()
    other = token[:-1] + ("A" if token[-1] != "A" else "B")  # one character off
    assert client.get(f"/api/v1/delivery/track/{other}").status_code == 404
    page = client.get(url)
    assert page.status_code == 200
    assert client.get("/en/delivery/track/not-a-token/").status_code == 404


def test_an_order_with_markup_instead_of_numbers_is_refused(client, city):
    response = client.post(
        "/api/v1/delivery/orders",
        {"reference": "ES-TEST-0001", "phone": "0599000001", "method": "home", "address": "<x>"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not DeliveryOrder.objects.exists()


def test_an_unknown_tracking_link_gets_a_page_in_the_readers_language(client, city):
    response = client.get("/ar/delivery/track/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/")
    assert response.status_code == 404
    assert "لا يوجد توصيل بهذا الرابط" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
