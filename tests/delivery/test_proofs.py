"""Proof of delivery: what the courier records at the door, once, whatever the connection."""

import uuid
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from delivery.models import DeliveryEvent, DeliveryStatus, ProofOfDelivery, Round, RoundStatus
from delivery.services import proof_record, round_plan, round_start
from tests.factories import UserFactory, courier_make, home_order_make

FILES = Path(__file__).resolve().parents[1] / "data" / "delivery"


@pytest.fixture
def started(grid, tomorrow):
    """A courier's round of three stops, under way."""
    office, buildings = grid
    courier = courier_make(office=office, username="door")
    for i in range(3):
        home_order_make(building=buildings[i * 5], office=office, day=tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    return round_start(round_=Round.objects.get(plan=plan), user=courier.user)


def _stops(round_):
    return list(round_.stops.select_related("order").order_by("sequence"))


def _deliver(round_, stop, client_id=None, **extra):
    fields = {
        "user": round_.courier.user,
        "order_id": stop.order_id,
        "client_id": client_id or str(uuid.uuid4()),
        "outcome": "delivered",
        "recipient_name": "Recipient",
        "recorded_at": timezone.now(),
        "position": Point(
            stop.order.building.entrance.x, stop.order.building.entrance.y, srid=4326
        ),
    }
    return proof_record(**(fields | extra))


def _upload(name, content_type):
    return SimpleUploadedFile(name, (FILES / name).read_bytes(), content_type=content_type)


def test_a_delivery_recorded_at_the_door_is_delivered_with_its_proof(started):
    first, second, _third = _stops(started)
    proof, created = _deliver(
        started,
        first,
        photo=_upload("doorstep.jpg", "image/jpeg"),
        signature=_upload("signature.png", "image/png"),
        accuracy_m=8,
    )
    assert created
    assert proof.photo.name.endswith(".jpg")
    assert proof.signature.name.endswith(".png")
    first.order.refresh_from_db()
    second.order.refresh_from_db()
    assert first.order.status == DeliveryStatus.DELIVERED
    assert second.order.stops_before == 0  # the next citizen is now first in line
    assert second.order.courier_position == proof.position
    assert DeliveryEvent.objects.filter(order=first.order, status="delivered").count() == 1


def test_the_same_record_sent_twice_is_stored_once(started):
    first = _stops(started)[0]
    client_id = str(uuid.uuid4())
    proof, created = _deliver(started, first, client_id=client_id)
    again, created_again = _deliver(started, first, client_id=client_id)
    assert (created, created_again, again.pk) == (True, False, proof.pk)
    assert ProofOfDelivery.objects.count() == 1
    assert DeliveryEvent.objects.filter(order=first.order, status="delivered").count() == 1


def test_a_second_different_record_for_a_stop_is_refused_and_nothing_is_written(started):
    first = _stops(started)[0]
    _deliver(started, first)
    with pytest.raises(Conflict) as refused:
        _deliver(started, first, outcome="failed", recipient_name="", failure_reason="not_home")
    assert refused.value.code == "proof_exists"
    assert ProofOfDelivery.objects.get().outcome == "delivered"
    first.order.refresh_from_db()
    assert first.order.status == DeliveryStatus.DELIVERED


def test_a_failed_delivery_needs_a_reason_and_a_delivery_needs_a_name(started):
    first = _stops(started)[0]
    with pytest.raises(InvalidInput) as no_reason:
        _deliver(started, first, outcome="failed", failure_reason="")
    with pytest.raises(InvalidInput) as no_name:
        _deliver(started, first, recipient_name="  ")
    with pytest.raises(InvalidInput) as bad_photo:
        _deliver(started, first, photo=_upload("not_a_photo.jpg", "image/jpeg"))
    with pytest.raises(InvalidInput) as jpeg_signature:
        _deliver(started, first, signature=_upload("doorstep.jpg", "image/jpeg"))
    codes = [e.value.code for e in (no_reason, no_name, bad_photo, jpeg_signature)]
    assert codes == ["reason_missing", "recipient_missing", "invalid_image", "invalid_image"]
    assert not ProofOfDelivery.objects.exists()
    proof, _ = _deliver(started, first, outcome="failed", failure_reason="not_home")
    first.order.refresh_from_db()
    assert (proof.recipient_name, first.order.status) == ("", DeliveryStatus.FAILED)


def test_a_record_from_the_future_or_outside_the_world_is_refused(started):
    first = _stops(started)[0]
    with pytest.raises(InvalidInput):
        _deliver(started, first, recorded_at=timezone.now() + timezone.timedelta(hours=1))
    with pytest.raises(InvalidInput):
        _deliver(started, first, position=Point(200, 95, srid=4326))
    with pytest.raises(InvalidInput):
        _deliver(started, first, client_id="not-a-uuid")
    assert not ProofOfDelivery.objects.exists()


def test_only_the_rounds_courier_records_and_only_once_it_started(started, grid, tomorrow):
    first = _stops(started)[0]
    other = courier_make(office=grid[0], username="other", day=False)
    with pytest.raises(NotFound):
        _deliver(started, first, user=other.user)
    with pytest.raises(PermissionDenied):
        _deliver(started, first, user=UserFactory())
    assert not ProofOfDelivery.objects.exists()


def test_the_round_is_finished_when_every_stop_is_recorded(started):
    for stop in _stops(started):
        _deliver(started, stop)
    started.refresh_from_db()
    assert started.status == RoundStatus.FINISHED
