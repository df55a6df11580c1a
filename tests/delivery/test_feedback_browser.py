"""A citizen on a phone, in Arabic, rates the delivery on the tracking page once the document
was delivered: a comment with markup is refused with the message and nothing stored, the
rating is then sent once and shown; the page also lists which office's staff read the record."""

import json

import pytest
from django.test import Client

from core.roles import Role
from delivery.models import DeliveryFeedback
from tests.factories import UserFactory
from tests.public_map.conftest import axe_violations, phone_page, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_rates_the_delivery_on_the_tracking_page_in_arabic(
    browser, live_server, delivered
):
    order = delivered.delivered
    # A dispatcher opened the round: the citizen sees that read, by role and office.
    dispatcher = Client()
    dispatcher.force_login(UserFactory(role=Role.DISPATCHER))
    assert dispatcher.get(f"/api/v1/delivery/rounds/{delivered.round.pk}").status_code == 200

    page = phone_page(browser, live_server, locale="ar")
    page.goto(f"{live_server.url}/ar/delivery/track/{order.tracking_token}/")
    page.wait_for_selector("#delivery-track[data-ready='true']")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#feedback-form").is_visible()
    assert page.locator("#reads li").count() == 1
    assert delivered.office.name_ar in page.locator("#reads li").inner_text()

    # Markup in the comment: refused with the page's message, nothing stored.
    page.check("input[name='rating'][value='5']")
    page.fill("#feedback-comment", "<b>ممتاز</b>")
    page.click("#feedback-submit")
    markup = page.evaluate(
        "JSON.parse(document.getElementById('delivery-config').textContent)"
        ".messages.feedback_text_markup"
    )
    wait_until(
        page, f"document.getElementById('feedback-message').textContent === {json.dumps(markup)}"
    )
    assert not DeliveryFeedback.objects.exists()
    screenshot(page, "delivery-feedback-refused-phone-ar")

    page.fill("#feedback-comment", "وصلت الوثيقة في الموعد، شكراً للمندوب")
    page.click("#feedback-submit")
    page.wait_for_selector("#feedback-given:not([hidden])")
    assert page.locator("#feedback-form").is_hidden()
    assert page.locator("#feedback-stars").inner_text() == "★★★★★"
    assert "شكراً للمندوب" in page.locator("#feedback-comment-given").inner_text()
    stored = DeliveryFeedback.objects.get()
    assert (stored.order_id, stored.rating) == (order.pk, 5)
    screenshot(page, "delivery-feedback-phone-ar")
    assert axe_violations(page) == []

    # Reloaded: the rating stays, and the form is not offered again.
    page.reload()
    page.wait_for_selector("#delivery-track[data-ready='true']")
    assert page.locator("#feedback-given").is_visible()
    assert page.locator("#feedback-form").is_hidden()
    assert page.foreign_requests == []
