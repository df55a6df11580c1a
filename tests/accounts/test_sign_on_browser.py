"""Single sign-on in a real Chromium against the real test provider: a planner clicks "Sign in
with …" on our page, signs in and consents on the provider's pages, and arrives in the editor
signed in; signing out ends the session at the provider too. The sign-in page in Arabic offers
the same way in, right to left."""

from __future__ import annotations

import pytest

from accounts.models import ExternalIdentity
from core.roles import Role, user_roles
from tests.accounts.conftest import provider_start, sign_on_settings
from tests.public_map.conftest import (  # noqa: F401 - the fixtures
    axe_violations,
    browser,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_provider(live_server, settings, tmp_path):
    provider = provider_start(
        tmp_path,
        redirect_uris=[f"{live_server.url}/sso/callback/"],
        logout_uris=[f"{live_server.url}/en/", f"{live_server.url}/ar/"],
    )
    for name, value in sign_on_settings(provider).items():
        setattr(settings, name, value)
    yield provider
    provider.stop()


def test_planner_signs_on_through_the_provider_and_lands_in_the_editor(
    browser,  # noqa: F811
    live_server,
    live_provider,
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en")
    # The provider's development pages ask a font host for a web font; offline, nothing else.
    context.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{live_server.url}/en/sign-in/?next=/en/editor/")
    assert axe_violations(page) == []
    screenshot(page, "sign-in-sso-en")
    page.click("a.sign-on-start")
    page.wait_for_url(f"{live_provider.issuer}/interaction/**")
    page.fill("input[name=login]", "amal.planner")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Continue")  # the provider's consent page
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/en/editor/")
    assert "Amal" in page.locator("header").inner_text()
    user = ExternalIdentity.objects.get(subject="amal.planner").user
    assert user_roles(user) == {Role.PLANNER}
    screenshot(page, "sign-on-editor-en")
    page.click("form.sign-out button")
    page.wait_for_url(f"{live_provider.issuer}/session/end**")
    page.goto(f"{live_server.url}/en/editor/")
    assert "/sign-in/" in page.url  # signed out here
    context.close()


def test_arabic_sign_in_page_offers_single_sign_on_right_to_left(
    browser,  # noqa: F811
    live_server,
    live_provider,
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    page = context.new_page()
    page.goto(f"{live_server.url}/ar/sign-in/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("a.sign-on-start").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "sign-in-sso-ar")
    context.close()
