"""A citizen on a phone asks for a document: home delivery and collection, in Arabic and
English, and the tracking page that follows."""

import pytest

from delivery.models import DeliveryOrder
from delivery.services import delivery_courier_report, delivery_status_set
from tests.public_map.conftest import axe_violations, phone_page, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def prove_document(page, reference: str, phone: str):
    page.fill("#reference", reference)
    page.fill("#phone", phone)
    page.click("#check-document")


def test_a_citizen_on_a_phone_has_a_document_delivered_home_in_arabic(browser, live_server, city):
    building = city["buildings"][0]
    page = phone_page(browser, live_server, locale="ar")
    page.goto(f"{live_server.url}/ar/delivery/")
    prove_document(page, "ES-TEST-0001", "0599 000 001")
    page.wait_for_selector("#document-found:not([hidden])")
    page.check("input[name='method'][value='home']")
    page.fill("#address-search", building.postcode)
    page.wait_for_selector("#address-results li")
    page.keyboard.press("Enter")
    page.wait_for_selector("#point-result:not([hidden])")
    assert building.postcode in page.locator("#point-result").inner_text()
    assert "مكتب بريد المنارة" in page.locator(".serving-office").inner_text()
    page.locator("#window-list input").first.check()
    page.fill("#contact-name", "رنا")
    screenshot(page, "delivery-home-phone-ar")
    assert axe_violations(page) == []
    page.click("#submit-order")
    page.wait_for_selector("#delivery-track[data-ready='true']")
    assert "/ar/delivery/track/" in page.url
    assert building.postcode in page.locator("#postcode").inner_text()
    order = DeliveryOrder.objects.get()
    assert order.contact_phone == "970599000001"
    assert order.building_id == building.pk

    # Out for delivery: the tracking page shows the courier approaching.
    delivery_status_set(order=order, status="scheduled")
    order = delivery_status_set(order=order, status="out_for_delivery")
    from django.contrib.gis.geos import Point

    delivery_courier_report(
        order=order,
        position=Point(building.entrance.x - 0.002, building.entrance.y, srid=4326),
        stops_before=1,
    )
    page.reload()
    page.wait_for_selector("#courier:not([hidden])")
    assert page.locator("#status").get_attribute("data-status") == "out_for_delivery"
    screenshot(page, "delivery-track-phone-ar")
    assert axe_violations(page) == []
    assert page.foreign_requests == []


def test_a_citizen_chooses_collection_at_the_nearest_office_in_english(browser, live_server, city):
    page = phone_page(browser, live_server, locale="en")
    page.goto(f"{live_server.url}/en/delivery/")
    prove_document(page, "ES-TEST-0002", "+970599000002")
    page.wait_for_selector("#document-found:not([hidden])")
    page.check("input[name='method'][value='collection']")
    page.wait_for_selector("#office-list label")
    offices = page.locator("#office-list label").all_inner_texts()
    assert "m away" in offices[0]
    assert "08:00" in offices[0]
    page.locator("#office-list input").nth(1).check()
    page.fill("#contact-name", "Samir")
    screenshot(page, "delivery-collection-phone-en")
    page.click("#submit-order")
    page.wait_for_selector("#delivery-track[data-ready='true']")
    assert "Citizen Service Office" in page.locator("#where").inner_text()


@pytest.mark.parametrize(
    ("lang", "reference", "expected"),
    [("en", "ES-NOPE-0001", "No document matches"), ("ar", "ES-NOPE-0001", "لا توجد وثيقة")],
)
def test_an_unknown_reference_gets_a_message_in_the_page_language(
    browser, live_server, city, lang, reference, expected
):
    page = phone_page(browser, live_server, locale=lang)
    page.goto(f"{live_server.url}/{lang}/delivery/")
    prove_document(page, reference, "0599000001")
    wait_until(page, "document.getElementById('document-message').textContent.length > 0")
    assert expected in page.locator("#document-message").inner_text()
    assert page.locator("#step-method input").first.is_disabled()


def test_an_address_outside_the_served_zones_is_refused_with_the_way_out(
    browser, live_server, city
):
    outside = city["buildings"][2]
    page = phone_page(browser, live_server, locale="en")
    page.goto(f"{live_server.url}/en/delivery/?address={outside.pk}")
    prove_document(page, "ES-TEST-0001", "0599000001")
    page.wait_for_selector("#document-found:not([hidden])")
    page.check("input[name='method'][value='home']")
    wait_until(page, "document.getElementById('place-message').textContent.length > 0")
    assert "choose collection" in page.locator("#place-message").inner_text()
    assert page.locator("#step-contact input").first.is_disabled()
    screenshot(page, "delivery-outside-phone-en")
