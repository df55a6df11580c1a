"""'Report a problem' on the public map in a real Chromium: a citizen picks a service, writes
what is wrong, attaches a photo and sends it; the request lands at the map's centre, inside
the municipality, with its department, and the page shows its number."""

from __future__ import annotations

import pytest

from servicerequests.models import ServiceRequest
from tests.public_map.conftest import (  # noqa: F401 - the fixtures
    axe_violations,
    browser,
    page,
    screenshot,
    wait_until,
)
from tests.servicerequests.conftest import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_reports_a_problem_with_a_photo_from_the_public_map(
    page,  # noqa: F811
    live_server,
    town,
):
    page.goto(f"{live_server.url}/en/map/")
    wait_until(page, "Boolean(window.publicMap)")
    page.click("#report-open")
    page.wait_for_selector("#report-panel:not([hidden])")
    wait_until(page, "document.querySelectorAll('#report-form select option').length > 5")
    page.select_option("#report-form select[name=service_code]", "streetlight-out")
    page.fill("#report-form textarea[name=description]", "The lamp by the bakery is out.")
    page.set_input_files(
        "#report-form input[name=media]",
        files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": image_bytes()}],
    )
    page.fill("#report-form input[name=phone]", "0599 123 456")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-message.done")
    request = ServiceRequest.objects.get()
    assert request.service_request_id in page.inner_text("#report-message")
    assert request.department.code == "lighting"
    assert request.photo
    assert request.phone == "0599 123 456"
    assert axe_violations(page) == []
    screenshot(page, "service-request-report-en")
    assert page.foreign_requests == []
