"""The dispatcher plans the day's rounds and moves an order on the board; the courier, on a
phone in Arabic, starts the round, is guided to the next stop and records deliveries through
a lost connection, and every record arrives once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from delivery.models import DeliveryOrder, DeliveryStatus, ProofOfDelivery, Round, RoundStop
from delivery.services import round_plan
from tests.factories import UserFactory, courier_make, home_order_make
from tests.public_map.conftest import axe_violations, screenshot, signed_in_page, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local_only(page, live_server):
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((live_server.url, "data:", "blob:")) else foreign.append(r.url)
        ),
    )
    return foreign


@pytest.mark.worker
def test_a_dispatcher_plans_the_rounds_moves_an_order_and_follows_the_statuses(
    browser, live_server, celery_worker, grid
):
    office, buildings = grid
    day = timezone.localdate() + timedelta(days=1)
    for name in ("rami", "huda"):
        courier_make(office=office, username=name, capacity=6, day=day)
    orders = [
        home_order_make(building=buildings[(i * 7) % len(buildings)], office=office, day=day,
                        window=(9, 12) if i % 2 else (12, 15))
        for i in range(10)
    ]  # fmt: skip
    page = signed_in_page(browser, live_server, UserFactory(role=Role.DISPATCHER))
    foreign = local_only(page, live_server)
    page.goto(f"{live_server.url}/en/delivery/dispatch/#office={office.pk}&day={day}")
    page.wait_for_selector("#waiting li")
    assert page.locator("#waiting li").count() == 10
    page.click("#plan")
    page.wait_for_selector("#rounds .round")
    wait_until(page, "document.querySelectorAll('#rounds .stop').length === 10")
    assert page.locator("#waiting li").count() == 0
    assert "Planned in" in page.locator("#plan-status").inner_text()
    assert RoundStop.objects.count() == 10

    # Move the first stop of one round into the other.
    source, target = Round.objects.order_by("pk")
    if source.stops.count() < target.stops.count():
        source, target = target, source
    moving = source.stops.order_by("sequence").first().order_id
    select = f"#rounds .round[data-round='{source.pk}'] select[data-order='{moving}']"
    page.locator(select).select_option(str(target.pk))
    page.wait_for_selector(f"#rounds .round[data-round='{target.pk}'] .stop[data-order='{moving}']")
    assert RoundStop.objects.get(order_id=moving).round_id == target.pk

    # A courier delivers: the board shows it at its next refresh.
    from delivery.services import proof_record, round_start

    started = round_start(round_=target, user=target.courier.user)
    first = started.stops.order_by("sequence").first()
    proof_record(
        user=target.courier.user,
        order_id=first.order_id,
        client_id="0b7c4d1e-3b1a-4c5e-9d8f-2a6b7c8d9e0f",
        outcome="delivered",
        recipient_name="Huda",
        recorded_at=timezone.now(),
    )
    page.click("#board-form button[type=submit]")
    page.wait_for_selector(f".stop[data-order='{first.order_id}'][data-status='delivered']")
    screenshot(page, "delivery-dispatch-en")
    assert axe_violations(page) == []
    assert foreign == []
    assert len(orders) == 10


def test_a_courier_records_the_round_through_a_lost_connection_and_nothing_is_doubled(
    browser, live_server, grid
):
    office, buildings = grid
    today = timezone.localdate()
    courier = courier_make(office=office, username="samir", capacity=10, day=today, hours=(0, 23))
    orders = [
        home_order_make(building=buildings[i * 9], office=office, day=today, window=(1, 22))
        for i in range(3)
    ]
    round_plan(office=office, day=today)
    page = signed_in_page(
        browser,
        live_server,
        courier.user,
        phone=True,
        locale="ar",
        geolocation={"longitude": office.geom.x, "latitude": office.geom.y},
        permissions=["geolocation"],
    )
    foreign = local_only(page, live_server)
    page.goto(f"{live_server.url}/ar/delivery/courier/")
    page.wait_for_selector("#stops li")
    assert page.locator("#stops li").count() == 3
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    assert {o.status for o in DeliveryOrder.objects.all()} == {DeliveryStatus.OUT_FOR_DELIVERY}

    # Guided to the next stop along the streets, in Arabic.
    page.click("#navigate")
    page.wait_for_selector("#instructions li")
    assert "وصلت إلى وجهتك" in page.locator("#instructions").inner_text()
    screenshot(page, "delivery-courier-next-stop-ar")

    def record(delivered: bool, name: str = "") -> None:
        page.click("#record-next")
        page.wait_for_selector("#proof[open]")
        if delivered:
            page.fill("#recipient", name)
            box = page.locator("#signature").bounding_box()
            page.mouse.move(box["x"] + 20, box["y"] + 60)
            page.mouse.down()
            page.mouse.move(box["x"] + 120, box["y"] + 30, steps=5)
            page.mouse.move(box["x"] + 220, box["y"] + 90, steps=5)
            page.mouse.up()
        else:
            page.check("input[name=outcome][value=failed]")
            page.select_option("#reason", "not_home")
        page.click("#proof-save")
        page.wait_for_selector("#proof", state="hidden")

    record(True, "ليلى")
    page.wait_for_selector("#stops li[data-done='delivered']")
    queue = f"localStorage.getItem('courier-queue-{courier.pk}') || '[]'"
    queue_empty = f"!({queue}).includes('client_id')"
    wait_until(page, queue_empty)
    assert ProofOfDelivery.objects.count() == 1
    assert ProofOfDelivery.objects.get().signature.name.endswith(".png")

    # The connection drops: the next record stays on the phone, and survives a reload.
    page.context.set_offline(True)
    page.wait_for_selector("#connection[data-online='no']")
    record(False)
    assert ProofOfDelivery.objects.count() == 1
    assert page.locator("#stops li[data-done='failed']").count() == 1
    page.reload()
    page.wait_for_selector("#stops li[data-done='failed']")
    screenshot(page, "delivery-courier-offline-ar")

    # Back online: the record is sent once; sending it again stores nothing more.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, queue_empty)
    assert ProofOfDelivery.objects.count() == 2
    sent = ProofOfDelivery.objects.get(outcome="failed")
    page.evaluate(
        """([key, record]) => {
             localStorage.setItem(key, JSON.stringify([record]));
             window.dispatchEvent(new Event('online'));
           }""",
        [
            f"courier-queue-{courier.pk}",
            {
                "client_id": str(sent.client_id),
                "order": sent.stop.order_id,
                "outcome": "failed",
                "failure_reason": "not_home",
                "recorded_at": sent.recorded_at.isoformat(),
            },
        ],
    )
    wait_until(page, queue_empty)
    assert ProofOfDelivery.objects.count() == 2
    statuses = sorted(DeliveryOrder.objects.values_list("status", flat=True))
    assert statuses == ["delivered", "failed", "out_for_delivery"]
    waiting = DeliveryOrder.objects.get(status="out_for_delivery")
    assert waiting.stops_before == 0  # the citizen's tracking page: next in line
    screenshot(page, "delivery-courier-synced-ar")
    assert axe_violations(page) == []
    assert foreign == []
    assert len(orders) == 3
