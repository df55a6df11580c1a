"""The staff's page of service requests in a real Chromium: the header links to it, a
department filter narrows the list, and a status change with notes is saved and shown to the
public through Open311."""

from __future__ import annotations

import pytest

from core.roles import Role
from servicerequests.models import ServiceRequest
from servicerequests.services import Contact, service_request_create
from tests.factories import UserFactory
from tests.public_map.conftest import (  # noqa: F401 - the fixture
    axe_violations,
    browser,
    screenshot,
    signed_in_page,
)
from tests.servicerequests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_filter_by_department_and_move_a_request_along(
    browser,  # noqa: F811
    live_server,
    town,
):
    leak = service_request_create(
        service_code="water-leak",
        lon=INSIDE[0],
        lat=INSIDE[1],
        description="Water running down the street since the morning.",
        contact=Contact(first_name="Lina", last_name="Haddad", phone="0599 123 456"),
    )
    service_request_create(
        service_code="streetlight-out", lon=INSIDE[0] + 0.001, lat=INSIDE[1], description="Dark"
    )
    page = signed_in_page(browser, live_server, UserFactory(role=Role.DISPATCHER))
    page.goto(f"{live_server.url}/en/")
    page.click("header nav >> text=Service requests")
    page.wait_for_selector("tr.service-request")
    assert page.locator("tr.service-request").count() == 2
    page.select_option("select[name=department]", "water-sewerage")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**department=water-sewerage**")
    rows = page.locator("tr.service-request")
    assert rows.count() == 1
    assert "Lina Haddad" in rows.first.inner_text()  # staff see the contact
    row = page.locator(f"tr[data-id={leak.service_request_id}]")
    row.locator("select[name=status]").select_option("in_progress")
    row.locator("textarea[name=notes]").fill("Valve closed; the crew repairs the pipe today.")
    row.locator("button[type=submit]").click()
    page.wait_for_url("**department=water-sewerage**")
    row = page.locator(f"tr[data-id={leak.service_request_id}]")
    assert row.locator("select[name=status]").input_value() == "in_progress"
    assert "Last changed by" in row.inner_text()
    leak.refresh_from_db()
    assert (leak.workflow_status, leak.status) == ("in_progress", "open")
    assert leak.status_notes.startswith("Valve closed")
    public = page.request.get(
        f"{live_server.url}/open311/v2/requests/{leak.service_request_id}.json"
    )
    assert public.json()[0]["status_notes"].startswith("Valve closed")
    assert axe_violations(page) == []
    screenshot(page, "service-requests-staff-en")
    page.goto(f"{live_server.url}/ar/service-requests/staff/")
    page.wait_for_selector("tr.service-request")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert axe_violations(page) == []
    screenshot(page, "service-requests-staff-ar")
    assert ServiceRequest.objects.count() == 2
