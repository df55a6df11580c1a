"""Citizens are told when their document is ready, on its way, delivered or not: notices in
an outbox the SMS gateway reads."""

import pytest

from core.errors import Conflict
from core.roles import Role
from delivery.models import DeliveryNotice, DeliveryStatus
from delivery.services import delivery_ready_for_collection, delivery_status_set
from tests.factories import UserFactory, home_order_make


def test_a_status_the_citizen_waits_for_queues_one_notice_with_the_tracking_link(grid, tomorrow):
    office, buildings = grid
    order = home_order_make(building=buildings[0], office=office, day=tomorrow)
    delivery_status_set(order=order, status=DeliveryStatus.SCHEDULED)
    assert not DeliveryNotice.objects.exists()  # planning is the office's business
    delivery_status_set(order=order, status=DeliveryStatus.OUT_FOR_DELIVERY)
    notice = DeliveryNotice.objects.get()
    assert notice.phone == order.contact_phone
    assert f"/delivery/track/{order.tracking_token}/" in notice.text_en
    assert notice.text_ar.startswith("وثيقتك في الطريق")
    delivery_status_set(order=order, status=DeliveryStatus.FAILED)
    waiting = delivery_ready_for_collection(order=order)
    assert waiting.status == DeliveryStatus.READY_FOR_COLLECTION
    statuses = list(DeliveryNotice.objects.values_list("status", flat=True))
    assert statuses == ["out_for_delivery", "failed", "ready_for_collection"]
    assert office.name_en in DeliveryNotice.objects.last().text_en


def test_a_home_delivery_not_yet_attempted_cannot_wait_at_the_office(grid, tomorrow):
    office, buildings = grid
    order = home_order_make(building=buildings[0], office=office, day=tomorrow)
    with pytest.raises(Conflict):
        delivery_ready_for_collection(order=order)
    assert not DeliveryNotice.objects.exists()


def test_the_sms_gateway_reads_the_outbox_and_marks_notices_sent(client, grid, tomorrow):
    office, buildings = grid
    order = home_order_make(building=buildings[0], office=office, day=tomorrow)
    delivery_status_set(order=order, status=DeliveryStatus.SCHEDULED)
    delivery_status_set(order=order, status=DeliveryStatus.OUT_FOR_DELIVERY)
    assert client.get("/api/v1/delivery/notices").status_code in (401, 403)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    outbox = client.get("/api/v1/delivery/notices").json()["notices"]
    assert [n["phone"] for n in outbox] == ["+" + order.contact_phone]
    sent = client.post("/api/v1/delivery/notices", {"sent": [outbox[0]["id"]]}, "application/json")
    assert sent.json() == {"marked": 1}
    assert client.get("/api/v1/delivery/notices").json()["notices"] == []
    bad = client.post("/api/v1/delivery/notices", {"sent": "all"}, "application/json")
    assert bad.status_code == 400
