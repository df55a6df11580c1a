"""The front page in a real headless Chromium: map, labels, attribution, language switch."""

import pytest

from tests.public_map.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_page_draws_the_municipality_in_arabic_and_switches_to_english(
    page, live_server, reference_data
):
    from core.services import demo_users_ensure

    demo_users_ensure()  # as on a demo deployment: the tour lists the demo accounts
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#home-map-container[data-ready='true']", timeout=30_000)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("path.municipality-ramallah").count() == 1
    labels = page.locator(".municipality-label").all_inner_texts()
    assert "رام الله" in labels
    assert "البيرة" in labels
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "OCHA" in attribution
    assert page.locator("table.demo-accounts tbody tr").count() == 6
    assert axe_violations(page) == []
    screenshot(page, "home-ar")

    page.locator(".language-switch button[value='en']").click()
    page.wait_for_url(f"{live_server.url}/en/")
    page.wait_for_selector("#home-map-container[data-ready='true']", timeout=30_000)
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert "Ramallah" in page.locator(".municipality-label").all_inner_texts()
    page.click("table.demo-accounts >> text=Delivery rounds")
    page.wait_for_url("**/en/sign-in/?next=/en/delivery/dispatch/")
    page.go_back()
    page.wait_for_selector("#home-map-container[data-ready='true']", timeout=30_000)
    screenshot(page, "home-en")
    assert page.foreign_requests == []


def test_front_page_uses_the_served_arabic_font(page, live_server, reference_data):
    page.goto(f"{live_server.url}/ar/")
    page.wait_for_selector("#home-map-container[data-ready='true']", timeout=30_000)
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Noto Sans Arabic" in family for family in loaded)
