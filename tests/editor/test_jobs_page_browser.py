"""The jobs page in a real Chromium, with the real worker: start a job, watch its live progress
bar, download what it delivered, cancel one while it runs; in English and in Arabic."""

from __future__ import annotations

import pytest

from core.roles import Role
from jobs.models import Job
from tests.factories import UserFactory, layer_with_points
from tests.public_map.conftest import (  # noqa: F401 - the fixture
    axe_violations,
    browser,
    screenshot,
    signed_in_page,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LAMPS = [(35.2042 + i * 0.001, 31.9038 + (i % 7) * 0.001) for i in range(40)]


@pytest.fixture
def planner():
    return UserFactory(role=Role.ADMINISTRATOR)  # sees every starter: export, seeding, audit


def test_an_export_started_on_the_page_shows_progress_and_its_download(
    browser,  # noqa: F811
    live_server,
    celery_worker,
    planner,
):
    layer_with_points(points=LAMPS)
    page = signed_in_page(browser, live_server, planner)
    page.goto(f"{live_server.url}/en/editor/jobs/")
    assert page.inner_text("#jobs-empty") == "No job yet."
    page.select_option("#start-export select[name=collection]", "streetlights")
    page.select_option("#start-export select[name=format]", "geojson")
    page.click("#start-export button[type=submit]")
    page.wait_for_selector("tr.job[data-state=succeeded]", timeout=60_000)
    row = page.locator("tr.job").first
    assert row.locator(".job-kind").inner_text() == "Export"
    assert row.locator("progress").evaluate("el => el.value") == 100
    with page.expect_download() as download:
        row.locator(".job-file").click()
    assert download.value.suggested_filename == "streetlights-crs84.geojson"
    assert b'"FeatureCollection"' in download.value.path().read_bytes()
    assert axe_violations(page) == []
    screenshot(page, "jobs-page-en")


def test_a_seeding_job_is_followed_live_and_cancelled_from_the_page(
    browser,  # noqa: F811
    live_server,
    celery_worker,
    planner,
):
    layer_with_points(points=LAMPS)
    page = signed_in_page(browser, live_server, planner, locale="ar")
    page.goto(f"{live_server.url}/ar/editor/jobs/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.select_option("#start-seed select[name=collection]", "streetlights")
    page.fill("#start-seed input[name=min_zoom]", "10")
    page.fill("#start-seed input[name=max_zoom]", "19")
    page.click("#start-seed button[type=submit]")
    # The bar moves while the job runs: a value between 0 and 100 is seen on the page.
    wait_until(
        page,
        "(() => { const bar = document.querySelector('tr.job[data-state=running] progress');"
        " return bar && bar.value > 0 && bar.value < 100; })()",
        timeout=60,
    )
    screenshot(page, "jobs-page-ar-running")
    page.click("tr.job[data-state=running] .job-cancel")
    page.wait_for_selector("tr.job[data-state=cancelled]", timeout=60_000)
    assert page.locator("tr.job .job-state").first.inner_text() == "أُلغي"
    job = Job.objects.get(kind="layers.tiles_seed")
    assert job.state == Job.State.CANCELLED
    assert 0 < job.progress_done < job.progress_total


def test_a_refused_start_says_why(browser, live_server, planner):  # noqa: F811
    layer_with_points(points=LAMPS)
    page = signed_in_page(browser, live_server, planner)
    page.goto(f"{live_server.url}/en/editor/jobs/")
    page.select_option("#start-seed select[name=collection]", "streetlights")
    page.fill("#start-seed input[name=min_zoom]", "0")
    page.fill("#start-seed input[name=max_zoom]", "22")
    page.click("#start-seed button[type=submit]")
    page.wait_for_selector("#jobs-refusal:not([hidden])")
    assert "one seeding renders at most 50,000" in page.inner_text("#jobs-refusal")
    assert not Job.objects.exists()


def test_the_page_is_for_staff_only(client, db):
    assert client.get("/en/editor/jobs/").status_code == 302  # to the sign-in page
    client.force_login(UserFactory(role=Role.COURIER))
    assert client.get("/en/editor/jobs/").status_code == 403
