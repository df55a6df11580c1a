"""A real headless Chromium (Debian's package) driven by Playwright."""

import os
import time
from pathlib import Path

import pytest

# Debian: /usr/bin/chromium (./platform test installs it); elsewhere CHROMIUM=/path/to/chromium.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: ./platform test installs the Debian package chromium")
    # Playwright keeps an event loop running in this thread; Django's ORM calls made by the
    # test itself (fixtures) are still synchronous and safe. Only for this fixture's lifetime.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        # Every page of every context reports Content-Security-Policy violations here: the
        # policy is strict (core.security), and a page it breaks must fail its tests.
        violations: list[str] = []
        new_context = browser.new_context

        def new_context_watched(*args, **kwargs):
            context = new_context(*args, **kwargs)
            context.on(
                "console",
                lambda message: (
                    violations.append(f"{message.location.get('url')}: {message.text}")
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            return context

        browser.new_context = new_context_watched
        yield browser
        browser.close()
        assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser, live_server):
    """A page whose every request must go to the live server (no other host)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    page = context.new_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else foreign.append(request.url)
        ),
    )
    page.foreign_requests = foreign
    yield page
    context.close()


def wait_until(page, expression: str, *, timeout: float = 30) -> None:
    """Wait until the JavaScript ``expression`` is true in ``page``. Playwright's own
    wait_for_function evaluates its predicate with eval(), which the platform's
    Content-Security-Policy forbids; page.evaluate goes through the DevTools protocol."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def city(db, django_user_model):
    from core.roles import Role
    from tests.factories import UserFactory, demo_street_city

    return demo_street_city(user=UserFactory(role=Role.CADASTRE_OFFICER))


def phone_page(browser, live_server, *, locale: str = "ar"):
    """A phone-sized page (a 390 x 844 viewport, touch) whose requests all stay local."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=locale, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((live_server.url, "data:", "blob:")) else foreign.append(r.url)
        ),
    )
    page.foreign_requests = foreign
    return page


AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page as it stands (serious and critical)."""
    # Evaluated through the DevTools protocol: an injected <script> would be inline, which the
    # platform's Content-Security-Policy rightly blocks.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def signed_in_page(
    browser, live_server, user, *, phone: bool = False, locale: str = "en", **context
):
    """A page in a new browser context whose session is ``user``'s (desktop-sized, or a phone
    with ``phone``); ``context`` goes to Playwright's new_context (geolocation, permissions)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    extra = {"has_touch": True, "is_mobile": True} if phone else {}
    browser_context = browser.new_context(viewport=size, locale=locale, **extra, **context)
    browser_context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return browser_context.new_page()
