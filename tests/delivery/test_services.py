"""Ordering a document's delivery: proof of the document, delivery point, window, office."""

import pytest

from core.errors import Conflict, InvalidInput, NotFound
from delivery.models import DeliveryOrder, DeliveryStatus
from delivery.selectors import delivery_point_find, delivery_windows, order_tracking_view
from delivery.services import (
    delivery_courier_report,
    delivery_order_create,
    delivery_status_set,
    document_request_verify,
    phone_normalise,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["0599 000 001", "+970599000001", "00970-599-000001", "٠٥٩٩٠٠٠٠٠١"]
)
def test_a_phone_number_reads_the_same_however_it_is_written(typed):
    assert phone_normalise(text=typed) == "970599000001"


def test_a_wrong_phone_is_refused_like_an_unknown_reference(city):
    with pytest.raises(NotFound) as wrong_phone:
        document_request_verify(reference="ES-TEST-0001", phone="0599000002")
    with pytest.raises(NotFound) as unknown:
        document_request_verify(reference="ES-NOPE-0001", phone="0599000001")
    assert wrong_phone.value.message == unknown.value.message


def test_a_building_in_a_served_zone_is_a_delivery_point_of_its_office(city):
    found = delivery_point_find(building_id=city["buildings"][0].pk)
    assert found.office == city["offices"][0]
    assert found.building.postcode.startswith("P600")


def test_a_building_outside_every_served_zone_is_refused_with_the_reason(city):
    with pytest.raises(InvalidInput) as refused:
        delivery_point_find(building_id=city["buildings"][2].pk)
    assert refused.value.code == "outside_service_area"


def test_home_delivery_takes_a_place_in_the_window_and_keeps_the_address(city, settings):
    office = city["offices"][0]
    window = delivery_windows(office=office)[0]
    order = delivery_order_create(
        reference="es-test-0001",
        phone="0599 000 001",
        method="home",
        contact_name="Rana",
        building_id=city["buildings"][0].pk,
        window_start=window.start,
    )
    assert order.postcode == city["buildings"][0].postcode
    assert order.address_lines_en[0].endswith("Al-Irsal Street")
    assert len(order.tracking_token) >= 32
    assert delivery_windows(office=office)[0].free == settings.DELIVERY_WINDOW_CAPACITY - 1
    with pytest.raises(Conflict):  # one order per document
        delivery_order_create(
            reference="ES-TEST-0001",
            phone="0599000001",
            method="collection",
            contact_name="Rana",
            office_id=office.pk,
        )


def test_a_full_window_is_refused_and_nothing_is_written(city, settings):
    settings.DELIVERY_WINDOW_CAPACITY = 0
    window = delivery_windows(office=city["offices"][0])[0]
    with pytest.raises(Conflict) as refused:
        delivery_order_create(
            reference="ES-TEST-0001",
            phone="0599000001",
            method="home",
            contact_name="Rana",
            building_id=city["buildings"][0].pk,
            window_start=window.start,
        )
    assert refused.value.code == "window_full"
    assert not DeliveryOrder.objects.exists()


def test_windows_are_offered_on_working_days_only(city):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    office = city["offices"][0]
    thursday = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Hebron"))
    windows = delivery_windows(office=office, now=thursday)
    days = sorted({w.start.date().isoformat() for w in windows})
    # Friday 27 and Saturday 28 are the weekend.
    assert days == ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]


def test_the_tracking_view_shows_the_courier_approaching_while_the_delivery_is_out(city):
    window = delivery_windows(office=city["offices"][0])[0]
    building = city["buildings"][0]
    order = delivery_order_create(
        reference="ES-TEST-0001",
        phone="0599000001",
        method="home",
        contact_name="Rana",
        building_id=building.pk,
        window_start=window.start,
    )
    assert order_tracking_view(order)["courier"] is None
    for status in (DeliveryStatus.SCHEDULED, DeliveryStatus.OUT_FOR_DELIVERY):
        order = delivery_status_set(order=order, status=status)
    from django.contrib.gis.geos import Point

    courier = Point(building.entrance.x - 0.003, building.entrance.y, srid=4326)
    order = delivery_courier_report(order=order, position=courier, stops_before=2)
    view = order_tracking_view(order)
    assert view["status"] == "out_for_delivery"
    assert 250 < view["courier"]["distance_m"] < 320  # 0.003° of longitude at 31.9° N
    assert view["courier"]["stops_before"] == 2
    assert [e["status"] for e in view["events"]] == ["requested", "scheduled", "out_for_delivery"]
    assert "ES-TEST-0001" not in str(view)  # the reference is masked
    with pytest.raises(Conflict):
        delivery_status_set(order=order, status=DeliveryStatus.COLLECTED)
