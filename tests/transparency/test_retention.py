"""Retention of personal data (transparency.services): what is past its period is anonymised
or deleted, once, in the audit log; what is not stays; the command's dry run changes nothing;
Celery beat runs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from core.models import ChangeRecord, PersonalDataRead
from delivery.models import (
    DeliveryFeedback,
    DeliveryNotice,
    DeliveryOrder,
    DocumentRequest,
    ProofOfDelivery,
)
from exchange.models import ExchangeRequestLog
from exchange.services import client_create
from servicerequests.models import OpenStatus, Service, ServiceRequest, WorkflowStatus
from transparency.services import (
    AUDIT_DELIVERY,
    AUDIT_EXCHANGE_LOG,
    AUDIT_READS,
    AUDIT_SERVICE_REQUEST,
    REMOVED,
    personal_data_retention_apply,
)
from transparency.tasks import RETENTION_TASK, personal_data_retention

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _request(*, status=OpenStatus.CLOSED, n=1, photo=True) -> ServiceRequest:
    service = Service.objects.order_by("pk").first()
    request = ServiceRequest.objects.create(
        service_request_id=f"SR-RET{n:05d}",
        service=service,
        department=service.department,
        status=status,
        workflow_status=WorkflowStatus.RESOLVED
        if status == OpenStatus.CLOSED
        else WorkflowStatus.RECEIVED,
        description="Deep hole by the school",
        geom=Point(35.2, 31.905, srid=4326),
        first_name="Lina",
        last_name="Haddad",
        email="lina@example.org",
        phone="0599000000",
        photo=ContentFile(b"\x89PNG not really", name="hole.png") if photo else "",
        requested_datetime=timezone.now(),
    )
    return request


def test_delivery_contacts_stay_until_the_period_after_closing_ends(delivered):
    days = settings.DELIVERY_CONTACT_RETENTION_DAYS
    result = personal_data_retention_apply(now=timezone.now() + (days - 1) * DAY)
    assert result.delivery_orders == 0
    order = DeliveryOrder.objects.get(pk=delivered.delivered.pk)
    assert order.contact_name != REMOVED
    assert order.contact_phone


def test_delivery_contacts_are_anonymised_once_the_period_after_closing_has_passed(
    delivered, media, django_capture_on_commit_callbacks
):
    DeliveryFeedback.objects.create(order=delivered.delivered, rating=4, comment="Polite, on time")
    photo = media / "delivery/proofs/2026/12/proof.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"jpeg")
    ProofOfDelivery.objects.filter(stop__order=delivered.delivered).update(
        photo="delivery/proofs/2026/12/proof.jpg"
    )
    days = settings.DELIVERY_CONTACT_RETENTION_DAYS
    with django_capture_on_commit_callbacks(execute=True):
        result = personal_data_retention_apply(now=timezone.now() + (days + 1) * DAY)
    # Delivered and failed (not home) are closed; the third order is still out for delivery.
    assert result.delivery_orders == 2
    for closed in (delivered.delivered, delivered.failed):
        order = DeliveryOrder.objects.get(pk=closed.pk)
        assert (order.contact_name, order.contact_phone) == (REMOVED, "")
        assert order.address_lines_ar == order.address_lines_en == []
        document = DocumentRequest.objects.get(order=order)
        assert (document.holder_name, document.holder_phone) == (REMOVED, "")
        assert not DeliveryNotice.objects.filter(order=order).exists()
        # What the figures need stays: the building, the window, the status.
        assert order.building_id
        assert order.window_start
        assert order.status == closed.status
    proof = ProofOfDelivery.objects.get(stop__order=delivered.delivered)
    assert proof.recipient_name == REMOVED
    assert proof.position is None
    assert not proof.photo
    assert not photo.exists()
    assert DeliveryFeedback.objects.get(order=delivered.delivered).comment == "Polite, on time"
    still_out = DeliveryOrder.objects.get(pk=delivered.out.pk)
    assert still_out.contact_name != REMOVED
    assert still_out.contact_phone
    audit = ChangeRecord.objects.filter(collection=AUDIT_DELIVERY)
    assert sorted(audit.values_list("feature_id", flat=True)) == sorted(
        [str(delivered.delivered.pk), str(delivered.failed.pk)]
    )
    # The audit log says what was done, never what was removed.
    assert all(REMOVED not in str(r.after) and "Grid holder" not in str(r.after) for r in audit)


def test_retention_run_twice_changes_nothing_the_second_time(delivered, default_services):
    _request(photo=False)
    PersonalDataRead.objects.create(
        kind="delivery_order", object_id="1", via="/board", at=timezone.now() - 800 * DAY
    )
    later = timezone.now() + 800 * DAY
    first = personal_data_retention_apply(now=later)
    assert (first.delivery_orders, first.service_requests) == (2, 1)
    assert first.personal_data_reads >= 1
    records = ChangeRecord.objects.count()
    second = personal_data_retention_apply(now=later)
    assert (second.delivery_orders, second.service_requests, second.personal_data_reads) == (
        0,
        0,
        0,
    )
    assert ChangeRecord.objects.count() == records


def test_service_request_contacts_and_photo_are_removed_after_the_period_when_closed(
    default_services, media, django_capture_on_commit_callbacks
):
    closed = _request(n=1)
    still_open = _request(status=OpenStatus.OPEN, n=2)
    photo_path = media / closed.photo.name
    assert photo_path.exists()
    days = settings.SERVICE_REQUEST_CONTACT_RETENTION_DAYS
    early = personal_data_retention_apply(now=timezone.now() + (days - 1) * DAY)
    assert early.service_requests == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = personal_data_retention_apply(now=timezone.now() + (days + 1) * DAY)
    assert result.service_requests == 1
    closed.refresh_from_db()
    assert (closed.first_name, closed.last_name, closed.email, closed.phone) == ("", "", "", "")
    assert not closed.photo
    assert not photo_path.exists()
    assert closed.description == "Deep hole by the school"
    still_open.refresh_from_db()
    assert still_open.phone
    assert still_open.photo
    assert ChangeRecord.objects.filter(
        collection=AUDIT_SERVICE_REQUEST, feature_id=str(closed.pk)
    ).exists()


def test_reads_of_personal_data_are_deleted_after_their_period_and_newer_ones_kept(db):
    days = settings.PERSONAL_DATA_READ_RETENTION_DAYS
    now = timezone.now()
    old = PersonalDataRead.objects.create(
        kind="parcel_rights", object_id="7", via="/api", at=now - (days + 1) * DAY
    )
    recent = PersonalDataRead.objects.create(
        kind="parcel_rights", object_id="7", via="/api", at=now - (days - 1) * DAY
    )
    assert personal_data_retention_apply(now=now).personal_data_reads == 1
    assert not PersonalDataRead.objects.filter(pk=old.pk).exists()
    assert PersonalDataRead.objects.filter(pk=recent.pk).exists()
    assert ChangeRecord.objects.get(collection=AUDIT_READS).after["deleted"] == 1


def test_exchange_request_log_is_deleted_after_its_period_and_newer_calls_kept(db):
    days = settings.EXCHANGE_REQUEST_LOG_RETENTION_DAYS
    now = timezone.now()
    client = client_create(
        identifier="PS/GOV/1001/postal", name="Ministry (test)", services=["postcode-lookup"]
    )
    calls = [
        ExchangeRequestLog.objects.create(
            client=client, service="postcode-lookup", version="v1", method="GET",
            status_code=200, duration_ms=3.0, parameters={"postcode": "P6150001"},
        )
        for _ in range(2)
    ]  # fmt: skip
    ExchangeRequestLog.objects.filter(pk=calls[0].pk).update(at=now - (days + 1) * DAY)
    ExchangeRequestLog.objects.filter(pk=calls[1].pk).update(at=now - (days - 1) * DAY)
    assert personal_data_retention_apply(now=now, dry_run=True).exchange_requests == 1
    assert ExchangeRequestLog.objects.count() == 2
    assert personal_data_retention_apply(now=now).exchange_requests == 1
    assert list(ExchangeRequestLog.objects.values_list("pk", flat=True)) == [calls[1].pk]
    assert ChangeRecord.objects.get(collection=AUDIT_EXCHANGE_LOG).after["deleted"] == 1
    assert personal_data_retention_apply(now=now).exchange_requests == 0


def test_the_command_dry_run_counts_and_changes_nothing_then_the_run_applies(
    default_services, capsys
):
    request = _request(photo=False)
    days = settings.SERVICE_REQUEST_CONTACT_RETENTION_DAYS
    ServiceRequest.objects.filter(pk=request.pk).update(
        updated_at=timezone.now() - (days + 1) * DAY
    )
    PersonalDataRead.objects.create(
        kind="service_request",
        object_id=str(request.pk),
        via="/staff",
        at=timezone.now() - (settings.PERSONAL_DATA_READ_RETENTION_DAYS + 1) * DAY,
    )
    records = ChangeRecord.objects.count()

    call_command("personal_data_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "1 would be stripped of contacts and photos" in out
    assert "1 would be deleted" in out
    request.refresh_from_db()
    assert request.phone == "0599000000"
    assert PersonalDataRead.objects.count() == 1
    assert ChangeRecord.objects.count() == records

    call_command("personal_data_retention")
    assert "1 were stripped" in capsys.readouterr().out
    request.refresh_from_db()
    assert request.phone == ""
    assert PersonalDataRead.objects.count() == 0


def test_celery_beat_schedule_runs_the_retention_task_every_night(db):
    from gis_project.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == RETENTION_TASK]
    assert len(entries) == 1
    # Once a day, at night.
    assert entries[0]["schedule"].hour == {2}
    assert entries[0]["schedule"].day_of_week == set(range(7))
    app.loader.import_default_modules()
    assert RETENTION_TASK in app.tasks
    assert personal_data_retention() == {
        "delivery_orders": 0,
        "service_requests": 0,
        "personal_data_reads": 0,
        "exchange_requests": 0,
        "dry_run": False,
    }


def test_retention_periods_come_from_the_environment_and_zero_days_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from gis_project.env import Env
    from gis_project.settings.base import configure

    monkeypatch.setenv("DATABASE_URL", "postgis://u@127.0.0.1:5432/gis")
    monkeypatch.setenv("DELIVERY_CONTACT_RETENTION_DAYS", "30")
    configured = configure(Env(use_local_file=False), debug_default=False)
    assert configured["DELIVERY_CONTACT_RETENTION_DAYS"] == 30
    assert configured["SERVICE_REQUEST_CONTACT_RETENTION_DAYS"] == 180
    assert configured["PERSONAL_DATA_READ_RETENTION_DAYS"] == 730
    monkeypatch.setenv("PERSONAL_DATA_READ_RETENTION_DAYS", "0")
    with pytest.raises(ImproperlyConfigured, match="PERSONAL_DATA_READ_RETENTION_DAYS=0"):
        configure(Env(use_local_file=False), debug_default=False)
