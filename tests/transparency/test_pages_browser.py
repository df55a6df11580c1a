"""The transparency and privacy pages in a real headless Chromium: right-to-left Arabic,
English, nothing from another host, no serious accessibility violation."""

import pytest

from tests.public_map.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transparency_and_privacy_pages_read_in_arabic_and_english(page, live_server):
    from tests.factories import layer_with_points

    layer_with_points(slug="streetlights", points=[(35.2, 31.905)])

    page.goto(f"{live_server.url}/ar/transparency/")
    page.wait_for_selector("#collection-streetlights")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("#figure-on-time strong").inner_text() == "0"
    assert page.locator("#collection-streetlights .downloads a").count() == 6
    assert axe_violations(page) == []
    screenshot(page, "transparency-ar")

    page.locator("a[href='/ar/privacy/']").first.click()
    page.wait_for_url(f"{live_server.url}/ar/privacy/")
    assert page.locator("#privacy-delivery .period").get_attribute("data-days") == "90"
    assert axe_violations(page) == []
    screenshot(page, "privacy-ar")

    page.goto(f"{live_server.url}/en/privacy/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert "Anonymised 90 days after" in page.locator("#privacy-delivery").inner_text()
    screenshot(page, "privacy-en")
    page.goto(f"{live_server.url}/en/transparency/")
    screenshot(page, "transparency-en")
    assert page.foreign_requests == []
