"""service_request_create and service_request_update_status: routing to the department,
refusals that store nothing, the audit log."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import InvalidInput, NotFound, PayloadTooLarge
from core.models import ChangeRecord
from core.roles import Role
from servicerequests.models import Department, Service, ServiceRequest
from servicerequests.services import (
    COLLECTION,
    Contact,
    service_request_create,
    service_request_update_status,
)
from tests.factories import UserFactory
from tests.servicerequests.conftest import INSIDE, OUTSIDE, photo_upload, stored_files


def _create(**kwargs):
    values = {"service_code": "pothole", "lon": INSIDE[0], "lat": INSIDE[1]}
    return service_request_create(**{**values, **kwargs})


def test_the_data_migration_gives_every_default_service_a_department_in_both_languages(
    default_services,
):
    services = Service.objects.select_related("department")
    assert services.count() >= 10
    codes = set(services.values_list("service_code", flat=True))
    assert {"streetlight-out", "pothole", "water-leak", "sewer-blockage", "waste-collection",
            "illegal-construction", "graffiti"} <= codes  # fmt: skip
    for service in services:
        assert service.name_ar
        assert service.name_en
        assert service.department.name_ar
    assert Department.objects.filter(code="lighting").exists()


def test_the_data_migration_reverses_but_keeps_services_that_have_requests(town, default_services):
    from django.apps import apps

    _create(service_code="graffiti")
    default_services.services_remove(apps, None)
    assert list(Service.objects.values_list("service_code", flat=True)) == ["graffiti"]
    assert list(Department.objects.values_list("code", flat=True)) == ["roads"]
    default_services.services_create(apps, None)
    assert Service.objects.count() >= 10


def test_a_request_goes_to_its_services_department_open_and_received(town):
    request = _create(description="حفرة عميقة أمام المدرسة", contact=Contact(first_name="Lina"))
    assert request.department.code == "roads"
    assert (request.status, request.workflow_status) == ("open", "received")
    assert request.service_request_id.startswith("SR-")
    assert request.expected_datetime > request.requested_datetime
    record = ChangeRecord.objects.get(collection=COLLECTION, feature_id=str(request.pk))
    assert record.action == "create"
    assert "Lina" not in str(record.after)


def test_a_photo_is_stored_under_a_random_name_without_its_metadata(town, media):
    request = _create(photo=photo_upload(kind="JPEG", name="../../etc/my house.jpg"))
    stored = stored_files(media)
    assert len(stored) == 1
    assert stored[0].name != "my house.jpg"
    assert stored[0].suffix == ".jpg"
    assert "servicerequests" in str(stored[0])
    with Image.open(io.BytesIO(stored[0].read_bytes())) as image:
        assert not image.getexif()
    assert request.photo.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, InvalidInput, "outside_municipality"),
        ({"service_code": "no-such-service"}, NotFound, "unknown_service"),
        ({"lon": None, "lat": None}, InvalidInput, "location_missing"),
        ({"lat": None}, InvalidInput, "location_incomplete"),
        ({"lat": 95.0}, InvalidInput, "coordinates_out_of_range"),
        ({"description": "<script>alert(1)</script>"}, InvalidInput, "text_markup"),
        ({"contact": Contact(email="not-an-email")}, InvalidInput, "invalid_email"),
        ({"contact": Contact(phone="call me")}, InvalidInput, "invalid_phone"),
    ],
)
def test_a_refused_request_stores_nothing(town, media, kwargs, error, code):
    with pytest.raises(error) as refused:
        _create(photo=photo_upload(), **kwargs)
    assert refused.value.code == code
    assert not ServiceRequest.objects.exists()
    assert not stored_files(media)


def test_an_inactive_service_is_refused_like_an_unknown_one(town):
    Service.objects.filter(service_code="graffiti").update(active=False)
    with pytest.raises(NotFound):
        _create(service_code="graffiti")


def test_a_photo_over_the_limit_is_refused_413_and_not_stored(town, media, settings):
    settings.SERVICE_REQUEST_PHOTO_MAX_BYTES = 1000
    with pytest.raises(PayloadTooLarge) as refused:
        _create(photo=photo_upload(size=(400, 400)))
    assert refused.value.code == "photo_too_large"
    assert not ServiceRequest.objects.exists()
    assert not stored_files(media)


def test_a_refusal_is_logged(town, caplog):
    with pytest.raises(InvalidInput):
        _create(lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert "outside_municipality" in caplog.text


def test_a_status_change_maps_to_open311_and_records_who_made_it(town):
    request = _create()
    officer = UserFactory(role=Role.PLANNER)
    service_request_update_status(
        request=request, status="in_progress", notes="Crew sent.", user=officer
    )
    request.refresh_from_db()
    assert (request.status, request.workflow_status) == ("open", "in_progress")
    service_request_update_status(request=request, status="resolved", notes="Filled.", user=officer)
    request.refresh_from_db()
    assert (request.status, request.status_notes) == ("closed", "Filled.")
    assert request.status_changed_by == officer
    records = ChangeRecord.objects.filter(collection=COLLECTION, feature_id=str(request.pk))
    assert list(records.order_by("version").values_list("version", "action", "username")) == [
        (1, "create", ""),
        (2, "update", officer.username),
        (3, "update", officer.username),
    ]


@pytest.mark.parametrize(("status", "notes"), [("done", ""), ("resolved", "<b>x</b>")])
def test_a_bad_status_change_is_refused_and_changes_nothing(town, status, notes):
    request = _create()
    with pytest.raises(InvalidInput):
        service_request_update_status(request=request, status=status, notes=notes, user=None)
    request.refresh_from_db()
    assert request.workflow_status == "received"
    assert ChangeRecord.objects.filter(collection=COLLECTION).count() == 1


def test_an_address_the_register_does_not_know_precisely_is_refused(town):
    with pytest.raises(InvalidInput) as refused:
        _create(lon=None, lat=None, address_string="Nowhere Street 999")
    assert refused.value.code == "address_not_found"
    assert not ServiceRequest.objects.exists()
