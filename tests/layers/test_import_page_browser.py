"""The staff import page in a real Chromium: upload, live progress, the report."""

from pathlib import Path

import pytest

from core.roles import Role
from layers.models import Layer
from tests.factories import UserFactory
from tests.public_map.conftest import browser, screenshot  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]
FILES = Path(__file__).resolve().parents[1] / "data" / "imports"


@pytest.fixture
def staff_page(browser, live_server, client):  # noqa: F811
    client.force_login(UserFactory(role=Role.PLANNER))
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    yield page
    context.close()


def test_an_upload_shows_progress_and_its_report(staff_page, live_server, celery_worker):
    page = staff_page
    page.goto(f"{live_server.url}/en/layers/import/")
    page.set_input_files("input[name=file]", str(FILES / "localities_28191.zip"))
    page.fill("input[name=new_slug]", "villages")
    page.fill("input[name=new_title_ar]", "القرى")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status[data-state=succeeded]", timeout=60_000)
    assert page.eval_on_selector("#import-progress", "el => el.value") == 100
    assert '"imported": 4' in page.inner_text("#import-report")
    screenshot(page, "layer-import-en")
    assert Layer.objects.get(slug="villages").features.count() == 4


def test_a_refused_import_says_why_and_writes_nothing(staff_page, live_server, celery_worker):
    page = staff_page
    page.goto(f"{live_server.url}/en/layers/import/")
    page.set_input_files("input[name=file]", str(FILES / "parcels_2154_one_bowtie.gpkg"))
    page.fill("input[name=new_slug]", "paris")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status[data-state=failed]", timeout=60_000)
    assert "1 of 30 features cannot be imported" in page.inner_text("#import-report")
    assert not Layer.objects.filter(slug="paris").exists()


def test_the_page_is_for_planners_only(client, db):
    assert client.get("/en/layers/import/").status_code == 302  # to the sign-in page
    client.force_login(UserFactory(role=Role.COURIER))
    assert client.get("/en/layers/import/").status_code == 403
