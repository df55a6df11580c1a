"""Open311 GeoReport v2 at /open311/v2/: the specification's field names and error shape,
refusals that store nothing, and a public list without personal data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from core.models import ChangeRecord
from servicerequests.models import ServiceRequest
from servicerequests.services import service_request_update_status
from tests.servicerequests.conftest import INSIDE, OUTSIDE, photo_upload, stored_files

API = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
CITIZEN = {
    "first_name": "Lina",
    "last_name": "Haddad",
    "email": "lina@example.org",
    "phone": "0599 123 456",
}


def _post(client: Client, **fields):
    data = {
        "service_code": "pothole",
        "lat": str(INSIDE[1]),
        "long": str(INSIDE[0]),
        "description": "A deep hole by the school gate",
        **CITIZEN,
        **fields,
    }
    return client.post(f"{API}/requests.json", {k: v for k, v in data.items() if v is not None})


def _error(response) -> dict:
    body = response.json()
    assert isinstance(body, list), body
    assert len(body) == 1, body
    assert body[0]["code"] == response.status_code
    assert body[0]["description"].strip()
    return body[0]


def test_discovery_names_the_specification_and_both_formats(client):
    body = client.get(f"{API}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert endpoint["url"].endswith("/open311/v2/")


def test_the_service_list_has_the_specifications_fields_in_the_requested_language(client, db):
    services = client.get(f"{API}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert set(pothole) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
    }  # fmt: skip
    assert pothole["service_name"] == "Pothole or damaged road"
    assert (pothole["metadata"], pothole["type"]) == (False, "realtime")
    arabic = client.get(f"{API}/services.json", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert next(s for s in arabic if s["service_code"] == "pothole")["service_name"].startswith(
        "حفرة"
    )


def test_a_service_definition_has_no_attributes_and_an_unknown_one_is_404(client, db):
    assert client.get(f"{API}/services/pothole.json").json() == {
        "service_code": "pothole",
        "attributes": [],
    }
    response = client.get(f"{API}/services/nothing.json")
    assert response.status_code == 404
    assert _error(response)["error_code"] == "unknown_service"


def test_a_citizen_reports_with_a_photo_and_reads_it_back_without_personal_data(
    client, town, media
):
    response = _post(client, media=photo_upload(kind="JPEG", name="hole.jpg"))
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    assert created["service_request_id"] in (created["service_notice"])
    assert len(stored_files(media)) == 1
    [read] = client.get(f"{API}/requests/{created['service_request_id']}.json").json()
    assert set(read) == REQUEST_FIELDS
    assert read["status"] == "open"
    assert read["service_code"] == "pothole"
    assert (read["lat"], read["long"]) == (INSIDE[1], INSIDE[0])
    assert read["media_url"] is None  # photos are for staff only
    assert read["agency_responsible"]
    listed = client.get(f"{API}/requests.json").content.decode()
    for value in CITIZEN.values():
        assert value not in listed
        assert value not in str(read)
    assert "hole.jpg" not in listed


def test_the_public_list_shows_open_requests_unless_asked_and_filters_by_service(client, town):
    first = _post(client).json()[0]["service_request_id"]
    second = _post(client, service_code="streetlight-out").json()[0]["service_request_id"]
    service_request_update_status(
        request=ServiceRequest.objects.get(service_request_id=second),
        status="resolved",
        notes="Lamp replaced.",
        user=None,
    )

    def ids(query: str = "") -> set[str]:
        return {r["service_request_id"] for r in client.get(f"{API}/requests.json{query}").json()}

    assert ids() == {first}
    assert ids("?status=closed") == {second}
    assert ids("?status=open,closed") == {first, second}
    assert ids("?status=open,closed&service_code=streetlight-out") == {second}
    assert ids(f"?service_request_id={first},{second}") == {first, second}
    assert ids("?start_date=2099-01-01T00:00:00Z") == set()
    assert ids("?end_date=2001-01-01T00:00:00%2B02:00&start_date=2000-12-01T00:00:00Z") == set()


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"lat": str(OUTSIDE[1]), "long": str(OUTSIDE[0])}, 400, "outside_municipality"),
        ({"service_code": "no-such-service"}, 404, "unknown_service"),
        ({"lat": None, "long": None}, 400, "location_missing"),
        ({"media_url": "http://example.org/x.jpg"}, 400, "media_url_refused"),
        ({"description": "<img src=x onerror=alert(1)>"}, 400, "text_markup"),
        ({"lat": "nan"}, 400, "invalid_number"),
        ({"jurisdiction_id": "jerusalem"}, 400, "unknown_jurisdiction"),
    ],
)
def test_a_refused_request_answers_the_spec_error_and_stores_nothing(
    client, town, media, fields, status, code
):
    response = _post(client, media=photo_upload(), **fields)
    assert response.status_code == status
    assert _error(response)["error_code"] == code
    assert not ServiceRequest.objects.exists()
    assert not stored_files(media)
    assert not ChangeRecord.objects.exists()


def test_a_photo_over_the_limit_is_413(client, town, media, settings):
    settings.SERVICE_REQUEST_PHOTO_MAX_BYTES = 2000
    response = _post(client, media=photo_upload(size=(600, 600)))
    assert response.status_code == 413
    assert _error(response)["error_code"] == "photo_too_large"
    assert not ServiceRequest.objects.exists()
    assert not stored_files(media)


def test_a_file_that_is_not_an_image_is_400(client, town, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = _post(client, media=fake)
    assert response.status_code == 400
    assert _error(response)["error_code"] == "photo_not_an_image"
    assert not ServiceRequest.objects.exists()
    assert not stored_files(media)


def test_an_unknown_request_id_is_404_in_the_spec_shape(client, db):
    response = client.get(f"{API}/requests/SR-NOTHING.json")
    assert response.status_code == 404
    assert _error(response)["error_code"] == "unknown_request"


def test_creation_is_rate_limited_per_address_but_the_list_is_not(client, town, settings):
    settings.API_RATE_LIMITS = {
        **settings.API_RATE_LIMITS,
        "reports": {"public": "2/hour", "staff": None},
    }
    cache.clear()
    try:
        assert [_post(client).status_code for _ in range(3)] == [201, 201, 429]
        refused = _post(client)
        assert refused.status_code == 429
        assert refused["Retry-After"]
        assert _error(refused)["error_code"] == "throttled"
        assert ServiceRequest.objects.count() == 2
        assert all(client.get(f"{API}/requests.json").status_code == 200 for _ in range(5))
    finally:
        cache.clear()


def _xml(content: bytes):
    from xml.etree import ElementTree

    return ElementTree.fromstring(content)  # noqa: S314 - the platform's own answer


def test_every_resource_is_also_served_in_the_specifications_xml(client, town):
    services = _xml(client.get(f"{API}/services.xml").content)
    assert services.tag == "services"
    assert "pothole" in [s.findtext("service_code") for s in services.findall("service")]
    created = client.post(
        f"{API}/requests.xml",
        {"service_code": "pothole", "lat": str(INSIDE[1]), "long": str(INSIDE[0])},
    )
    assert created.status_code == 201
    assert created["Content-Type"].startswith("text/xml")
    request_id = _xml(created.content).findtext("request/service_request_id")
    read = _xml(client.get(f"{API}/requests/{request_id}.xml").content)
    assert (read.tag, read.findtext("request/status")) == ("service_requests", "open")
    definition = _xml(client.get(f"{API}/services/pothole.xml").content)
    assert definition.tag == "service_definition"
    discovery = _xml(client.get(f"{API}/discovery.xml").content)
    assert "text/xml" in [f.text for f in discovery.findall("endpoints/endpoint/formats/format")]
    refused = client.get(f"{API}/services/nothing.xml")
    error = _xml(refused.content)
    assert (refused.status_code, error.tag, error.findtext("error/code")) == (404, "errors", "404")
    assert error.findtext("error/description")


def test_another_format_or_address_answers_the_spec_404_in_json(client, db):
    for path in ("services.csv", "requests.json/extra", "nothing"):
        response = client.get(f"{API}/{path}")
        assert response.status_code == 404, path
        assert _error(response)["error_code"] == "not_found"
