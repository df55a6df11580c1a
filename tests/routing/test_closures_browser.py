"""A planner closes a street on the map and lifts it; routes avoid it in between."""

import time

import pytest
from django.test import Client
from django.utils import timezone

from core.roles import Role
from routing.models import Closure
from tests.factories import UserFactory
from tests.public_map.conftest import axe_violations, browser, screenshot, signed_in_page  # noqa: F401
from tests.routing.conftest import SOUTH, STEP, WEST

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROUTE = f"/api/v1/routing/route?from={WEST + STEP * 0.2},{SOUTH}&to={WEST + STEP * 0.8},{SOUTH}"


def test_a_planner_closes_a_street_on_the_map_and_routes_avoid_it_until_it_is_lifted(
    browser,  # noqa: F811
    live_server,
    grid_town,
):
    before = Client().get(ROUTE).json()
    assert before["instructions"][0]["street_en"] == "Row 0 Street"
    page = signed_in_page(browser, live_server, UserFactory(role=Role.PLANNER))
    page.goto(f"{live_server.url}/en/routing/closures/")
    page.wait_for_selector("#none:not([hidden])")
    box = page.locator("#closures-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)
    assert page.locator("#point-count").inner_text() == "2 points"
    page.fill("#points", f"{WEST},{SOUTH}; {WEST + STEP},{SOUTH}")
    page.dispatch_event("#points", "change")
    page.click("#save")
    page.wait_for_selector("#message:has-text('Say why the street is closed')")  # from the API
    assert not Closure.objects.exists()
    page.fill("#reason-en", "Water main repair")
    page.fill("#reason-ar", "إصلاح خط مياه")
    page.click("#save")
    page.wait_for_selector("#list li")
    closure = Closure.objects.get()
    assert (closure.reason_en, closure.ends_at) == ("Water main repair", None)
    during = Client().get(ROUTE).json()
    assert during["instructions"][0]["street_en"] != "Row 0 Street"  # the closed street
    assert min(during["snapped_m"]) > 200  # both ends reached from the next open street
    screenshot(page, "routing-closures-en")
    assert axe_violations(page) == []
    page.click(f"#list button[data-closure='{closure.pk}']")
    page.wait_for_selector("#none:not([hidden])")
    closure.refresh_from_db()
    assert closure.ends_at is not None
    # Lifted a moment after it began, it ends a second after its start (ends > starts).
    time.sleep(max(0.0, (closure.ends_at - timezone.now()).total_seconds()))
    assert Client().get(ROUTE).json() == before


def test_the_closures_page_is_for_planners_and_dispatchers(client, db):
    client.force_login(UserFactory(role=Role.COURIER))
    assert client.get("/en/routing/closures/").status_code == 403
    client.force_login(UserFactory(role=Role.DISPATCHER))
    assert client.get("/en/routing/closures/").status_code == 200
