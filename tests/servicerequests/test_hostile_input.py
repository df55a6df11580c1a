"""The hostile-input corpus (tests/hostile.py) against Open311 and the staff's page: every
case is refused with a 4xx and a message (Open311's own error shape on /open311/), no table
changes and no file lands on disk. Each field is varied on its own from a request that is
otherwise accepted; the accepted request is sent after the run, so a case cannot pass only
because something else in it was wrong."""

from __future__ import annotations

import json
import struct
import zlib
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.roles import Role
from servicerequests.models import ServiceRequest
from servicerequests.services import service_request_create
from tests.factories import UserFactory
from tests.hostile import (
    HOSTILE_UPLOADS,
    INJECTIONS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    inert_judge,
    raw_bodies,
    text_cases,
)
from tests.servicerequests.conftest import INSIDE, photo_upload, stored_files

COVERED = {
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "servicerequests:staff",
    "servicerequests:staff-photo",
    "servicerequests_api:list",
    "servicerequests_api:status",
}

API = "/open311/v2"
COORDINATES = {
    **filter_cases(),
    "nan": "nan",
    "infinity": "inf",
    "beyond_float": "1e400",
    "out_of_range": "1035.2",
    "negative_out_of_range": "-231.9",
    "empty_list": "[]",
    "arabic_digits": "٣١٫٩",
}
MOMENTS = {
    **filter_cases(),
    "impossible_day": "2026-02-30T09:00:00Z",
    "hour_25": "2026-12-06T25:00:00Z",
    "no_offset": "2026-12-06T09:00:00",
    "year_one": "0001-01-01T00:00:00Z",
    "year_9999": "9999-12-31T23:59:59Z",
}
REMOTE_MEDIA = {
    "http": "http://example.org/hole.jpg",
    "metadata_service": "http://169.254.169.254/latest/meta-data/",
    "file": "file:///etc/passwd",
    "internal": "http://127.0.0.1:55432/",
}


def open311_refusal(response) -> str | None:
    """None when ``response`` is Open311's refusal: a 4xx whose body is
    ``[{"code": status, "description": "..."}]``."""
    status = response.status_code
    if not 400 <= status < 500:
        return f"status {status}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"status {status} without a JSON body: {response.content[:120]!r}"
    if not (isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict)):
        return f"status {status} not in Open311's error shape: {str(body)[:200]}"
    if body[0].get("code") != status or not str(body[0].get("description", "")).strip():
        return f"status {status} with a bad error: {str(body)[:200]}"
    return None


def open311_read(response) -> str | None:
    """A read whose parameter is data (a filter): Open311's refusal, or a JSON answer."""
    if 400 <= response.status_code < 500:
        return open311_refusal(response)
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return None if "json" in response.get("Content-Type", "") else "not JSON"


def _png_bomb() -> bytes:
    """A PNG whose header claims 60,000 x 60,000 pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat)) + b"IDAT" + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )  # fmt: skip


def _good() -> dict:
    return {
        "service_code": "pothole",
        "lat": str(INSIDE[1]),
        "long": str(INSIDE[0]),
        "description": "A hole",
        "first_name": "Lina",
        "last_name": "Haddad",
        "email": "lina@example.org",
        "phone": "0599 123 456",
        "address_string": "Al-Irsal Street",
    }


@pytest.fixture
def existing(town):
    """One request already made, so the reads and the staff's page have something to show."""
    return service_request_create(service_code="graffiti", lon=INSIDE[0], lat=INSIDE[1])


def test_open311_creation_refuses_every_hostile_case(town, existing, media):
    client = Client()
    url = f"{API}/requests.json"
    with hostile_endpoint("open311:requests POST") as run:
        for field in ("description", "first_name", "last_name", "address_string", "email", "phone"):
            for case, value in text_cases().items():
                run.send(
                    f"{field}:{case}",
                    lambda f=field, v=value: client.post(url, {**_good(), f: v}),
                    judge=open311_refusal,
                )
        for case, value in filter_cases().items():
            run.send(
                f"service_code:{case}",
                lambda v=value: client.post(url, {**_good(), "service_code": v}),
                judge=open311_refusal,
            )
            run.send(
                f"jurisdiction_id:{case}",
                lambda v=value: client.post(url, {**_good(), "jurisdiction_id": v}),
                judge=open311_refusal,
            )
        for field in ("lat", "long"):
            for case, value in COORDINATES.items():
                run.send(
                    f"{field}:{case}",
                    lambda f=field, v=value: client.post(url, {**_good(), f: v}),
                    judge=open311_refusal,
                )
        for case, value in REMOTE_MEDIA.items():
            run.send(
                f"media_url:{case}",
                lambda v=value: client.post(url, {**_good(), "media_url": v}),
                judge=open311_refusal,
            )
        for case, (source, name) in HOSTILE_UPLOADS.items():
            run.send(
                f"media:{case}",
                lambda s=source, n=name: client.post(
                    url, {**_good(), "media": SimpleUploadedFile(n, file_bytes(s))}
                ),
                judge=open311_refusal,
            )
        uploads = {
            "png_bomb": _png_bomb(),
            "truncated_png": photo_upload().read()[:60],
            "svg_with_script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
            "empty": b"",
        }
        for case, content in uploads.items():
            run.send(
                f"media:{case}",
                lambda c=content: client.post(
                    url, {**_good(), "media": SimpleUploadedFile("photo.png", c)}
                ),
                judge=open311_refusal,
            )
        run.send(
            "media:text_not_file",
            lambda: client.post(url, {**_good(), "media": "not a file"}),
            judge=open311_refusal,
        )
        for case, body in raw_bodies().items():
            run.send(
                f"json:{case}",
                lambda b=body: client.post(url, b, content_type="application/json"),
                judge=open311_refusal,
            )
    assert not stored_files(media)
    # The same request, unchanged, is taken: the cases were refused for their one field.
    assert client.post(url, _good()).status_code == 201
    assert ServiceRequest.objects.count() == 2


def test_open311_reads_refuse_or_answer_every_hostile_case(existing):
    client = Client()
    with hostile_endpoint("open311 reads") as run:
        for case, value in filter_cases().items():
            for param in ("service_code", "service_request_id", "status", "jurisdiction_id"):
                run.send(
                    f"requests:{param}:{case}",
                    lambda p=param, v=value: client.get(f"{API}/requests.json", {p: v}),
                    judge=open311_read,
                )
            run.send(
                f"request:{case}",
                lambda v=value: client.get(f"{API}/requests/{quote(v, safe='')}.json"),
                judge=open311_read,
            )
            run.send(
                f"service:{case}",
                lambda v=value: client.get(f"{API}/services/{quote(v, safe='')}.json"),
                judge=open311_read,
            )
            run.send(
                f"services:jurisdiction_id:{case}",
                lambda v=value: client.get(f"{API}/services.json", {"jurisdiction_id": v}),
                judge=open311_read,
            )
            run.send(
                f"discovery:jurisdiction_id:{case}",
                lambda v=value: client.get(f"{API}/discovery.json", {"jurisdiction_id": v}),
                judge=open311_read,
            )
        for param in ("start_date", "end_date"):
            for case, value in MOMENTS.items():
                run.send(
                    f"requests:{param}:{case}",
                    lambda p=param, v=value: client.get(f"{API}/requests.json", {p: v}),
                    judge=open311_refusal,
                )
        run.send(
            "requests:too_many_ids",
            lambda: client.get(
                f"{API}/requests.json", {"service_request_id": ",".join(["SR-X"] * 101)}
            ),
            judge=open311_refusal,
        )
        run.send(
            "requests:dates_reversed",
            lambda: client.get(
                f"{API}/requests.json",
                {"start_date": "2026-12-02T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
            ),
            judge=open311_refusal,
        )


def test_the_staff_page_refuses_every_hostile_case(existing, media):
    client = Client()
    client.force_login(UserFactory(role=Role.PLANNER))
    url = "/en/service-requests/staff/"
    good = {"request": str(existing.pk), "status": "assigned", "notes": "Crew on Monday."}
    # Listing requests records that staff read their contacts (core.PersonalDataRead): that
    # table grows by design on every page shown, refusals included.
    with hostile_endpoint(
        "servicerequests:staff", ignore_tables=frozenset({"core_personaldataread"})
    ) as run:
        for case, value in text_cases().items():
            run.send(
                f"notes:{case}",
                lambda v=value: client.post(url, {**good, "notes": v}),
                judge=inert_judge(value),
            )
        for case, value in {**filter_cases(), "empty": "", "done": "done"}.items():
            run.send(
                f"status:{case}",
                lambda v=value: client.post(url, {**good, "status": v}),
                judge=inert_judge(value),
            )
        for case, value in {
            **filter_cases(), "zero": "0", "negative": "-1", "many_digits": "9" * 5000,
            "arabic_digits": "١٢",
        }.items():  # fmt: skip
            run.send(
                f"request:{case}",
                lambda v=value: client.post(url, {**good, "request": v}),
                judge=inert_judge(value),
            )
        for case, value in filter_cases().items():
            for param in ("department", "status"):
                run.send(
                    f"filter:{param}:{case}",
                    lambda p=param, v=value: client.get(url, {p: v}),
                    judge=inert_judge(value),
                )
        run.send(
            "photo:missing",
            lambda: client.get(f"/en/service-requests/staff/{existing.pk}/photo"),
            judge=inert_judge("photo"),
        )
        run.send(
            "photo:unknown",
            lambda: client.get("/en/service-requests/staff/999999999/photo"),
            judge=inert_judge("photo"),
        )
    assert client.post(url, good).status_code == 302
    existing.refresh_from_db()
    assert existing.workflow_status == "assigned"


def test_the_staff_api_refuses_every_hostile_case(existing, api_client):
    api_client.force_authenticate(UserFactory(role=Role.DISPATCHER))
    url = f"/api/v1/service-requests/{existing.service_request_id}/status"
    good = {"status": "assigned", "notes": "Crew on Monday."}
    # As on the page, every list shown records a read of the contacts.
    with hostile_endpoint(
        "servicerequests_api", ignore_tables=frozenset({"core_personaldataread"})
    ) as run:
        for name, body in raw_bodies().items():
            run.send(
                f"status body {name}",
                lambda b=body: api_client.post(url, b, content_type="application/json"),
            )
        for case, value in {**text_cases(), **filter_cases()}.items():
            for field in ("status", "notes"):
                if field == "notes" and case in filter_cases():
                    continue  # injections are fine notes: they are text, shown escaped
                run.send(
                    f"{field}={case}",
                    lambda f=field, v=value: api_client.post(url, {**good, f: v}, format="json"),
                )
        for case, value in {**filter_cases(), "long": "SR-" + "A" * 5000, "nul": "SR-\x00"}.items():
            run.send(
                f"id={case}",
                lambda v=value: api_client.post(
                    f"/api/v1/service-requests/{quote(v, safe='')}/status", good, format="json"
                ),
            )
        for case, value in filter_cases().items():
            for param in ("department", "status"):
                run.send(
                    f"list {param}={case}",
                    lambda p=param, v=value: api_client.get("/api/v1/service-requests/", {p: v}),
                    judge=lambda r: (
                        None if r.status_code in (200, 400) else f"status {r.status_code}"
                    ),
                )
    existing.refresh_from_db()
    assert existing.workflow_status == "received"
    answer = api_client.post(url, good, format="json")
    assert answer.status_code == 200
    assert answer.json()["workflow_status"] == "assigned"


def test_signed_out_and_courier_clients_are_refused_at_the_staff_page(existing):
    courier = Client()
    courier.force_login(UserFactory(role=Role.COURIER))
    for client, allowed in ((Client(), (302,)), (courier, (403,))):
        assert client.get("/en/service-requests/staff/").status_code in allowed
        response = client.post(
            "/en/service-requests/staff/",
            {"request": str(existing.pk), "status": "rejected", "notes": ""},
        )
        assert response.status_code in allowed
    existing.refresh_from_db()
    assert existing.workflow_status == "received"
    assert INJECTIONS  # the corpus loaded
