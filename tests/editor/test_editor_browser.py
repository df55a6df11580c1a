"""The editor in a real headless Chromium: a planner draws a feature that snaps to another, fills
the form, saves, sees it in the history; a save that another user overtook is refused and
merged on the user's choice."""

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.roles import Role
from layers.models import Feature
from layers.services import feature_update
from tests.factories import UserFactory, layer_with_points, town_create
from tests.public_map.conftest import browser, screenshot, signed_in_page  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXISTING = (35.2000, 31.9050)


@pytest.fixture
def planner_page(browser, live_server):  # noqa: F811 - the fixture above
    town_create()
    layer_with_points(points=[EXISTING])
    planner = UserFactory(role=Role.PLANNER, username="rana-planner")
    page = signed_in_page(browser, live_server, planner)
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server.url, "data:")) else foreign.append(r.url),
    )
    page.foreign_requests = foreign
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    page.context.close()


def open_editor(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".leaflet-marker-icon", timeout=30_000)


def test_a_planner_draws_with_snapping_saves_and_merges_a_stale_save(planner_page, live_server):
    page = planner_page
    open_editor(page, f"{live_server.url}/en/editor/")
    assert page.locator("#editor-collection option").all_inner_texts() == ["Street lights"]

    # Draw a lamp a few pixels off the existing one: it snaps onto it.
    box = page.locator(".leaflet-marker-icon").first.bounding_box()
    anchor_x, anchor_y = box["x"] + box["width"] / 2, box["y"] + box["height"]
    page.click("#editor-draw")
    page.mouse.move(anchor_x + 12, anchor_y - 6)
    page.mouse.move(anchor_x + 8, anchor_y - 4)
    page.mouse.click(anchor_x + 8, anchor_y - 4)
    page.wait_for_selector("#editor-form:not([hidden])")
    page.select_option("select[name=lamp]", "LED")
    page.fill("input[name=asset_no]", "12")
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('Saved: version 1')")
    created = Feature.objects.get(properties__asset_no=12)
    assert created.properties == {"lamp": "LED", "asset_no": 12}
    assert created.geom.coords == pytest.approx(EXISTING, abs=1e-9)  # snapped

    page.click("#editor-history-button")
    page.wait_for_selector("#editor-history-list li")
    assert "created by rana-planner" in page.locator("#editor-history-list").inner_text()
    screenshot(page, "editor-en")

    # Another user saves first; this page's save is refused, shown, and merged on request.
    feature_update(
        feature=created,
        version=1,
        user=UserFactory(role=Role.PLANNER),
        geometry=Point(EXISTING, srid=4326),
        properties={"lamp": "sodium"},
    )
    page.fill("input[name=asset_no]", "13")
    page.click("#editor-save")
    page.wait_for_selector("#editor-conflict:not([hidden])")
    assert "Version 2" in page.locator("#editor-conflict-version").inner_text()
    assert "sodium" in page.locator("#editor-conflict-theirs").inner_text()
    screenshot(page, "editor-conflict-en")
    page.click("#editor-keep-mine")
    page.wait_for_selector("#editor-status:has-text('Saved: version 3')")
    created.refresh_from_db()
    assert created.properties["asset_no"] == 13
    assert created.version == 3
    assert page.foreign_requests == []


def test_the_editor_reads_right_to_left_in_arabic(planner_page, live_server):
    page = planner_page
    open_editor(page, f"{live_server.url}/ar/editor/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.locator(".leaflet-marker-icon").first.click()
    page.wait_for_selector("#editor-form:not([hidden])")
    screenshot(page, "editor-ar")
    assert page.foreign_requests == []


def test_the_editor_is_for_staff(client, db):
    client.force_login(UserFactory(role=Role.COURIER))
    assert client.get("/en/editor/").status_code == 403
    client.logout()
    assert client.get("/en/editor/").status_code == 302  # to the sign-in page


@pytest.fixture
def officer_page(browser, live_server):  # noqa: F811 - the fixture above
    from tests.factories import locality_create, parcels_grid

    town = town_create()
    officer = UserFactory(role=Role.CADASTRE_OFFICER, username="samir-cadastre")
    parcels_grid(locality=locality_create(town=town), town=town, user=officer, cols=2)
    page = signed_in_page(browser, live_server, officer)
    yield page
    page.context.close()


def test_a_cadastre_officer_splits_a_parcel_through_its_transaction(officer_page, live_server):
    from parcels.models import Parcel

    page = officer_page
    page.goto(f"{live_server.url}/en/editor/#19/31.9001/35.2002")
    page.select_option("#editor-collection", label="Parcels")
    parcels = page.locator("path.leaflet-interactive")
    parcels.nth(1).wait_for(timeout=30_000)
    parcels.first.click()
    page.wait_for_selector("#editor-transactions:not([hidden])")
    assert page.locator("#editor-tx-title").inner_text() == "Ramallah 1/1"

    # No reason: refused with the rule's message, the register unchanged.
    page.click("#editor-retire")
    page.wait_for_selector("#editor-tx-errors:not([hidden])")
    assert "needs a reason" in page.locator("#editor-tx-errors").inner_text()
    assert Parcel.objects.filter(status="active").count() == 2

    box = parcels.first.bounding_box()
    x = box["x"] + box["width"] / 2
    page.fill("#editor-reason", "Inheritance, survey plan 77")
    page.click("#editor-split")
    page.mouse.click(x, box["y"] - 25)
    page.mouse.click(x, box["y"] + box["height"] + 25)
    page.mouse.click(x, box["y"] + box["height"] + 25)
    page.wait_for_selector("#editor-tx-status:has-text('Ramallah 1/3')")
    assert "Ramallah 1/4" in page.locator("#editor-tx-status").inner_text()
    assert Parcel.objects.filter(status="active").count() == 3
    assert page.locator("path.leaflet-interactive").count() == 3  # the map shows the new ones
    split = Parcel.objects.get(number=1).retired_by
    assert (split.kind, split.reason) == ("split", "Inheritance, survey plan 77")
    assert split.performed_by.username == "samir-cadastre"
    screenshot(page, "editor-parcels-en")


def test_an_addressing_officer_numbers_a_street_from_the_editor(browser, live_server):  # noqa: F811
    from addressing.models import Building
    from tests.factories import buildings_beside, street_along

    town = town_create()
    street = street_along(
        town=town,
        code="RAM-0042",
        name_ar="شارع الكرامة",
        name_en="Al-Karama Street",
        start=(35.2000, 31.9000),
        end=(35.2010, 31.9000),
    )
    buildings_beside(street=street, fractions_left=(0.2, 0.6), fractions_right=(0.4,))
    page = signed_in_page(browser, live_server, UserFactory(role=Role.ADDRESSING_OFFICER))
    page.goto(f"{live_server.url}/en/editor/#18/31.9000/35.2005")
    with page.expect_response(lambda r: "/collections/streets/items" in r.url) as loaded:
        page.select_option("#editor-collection", label="Streets")
    answer = loaded.value
    assert answer.status == 200, answer.text()[:500]
    assert len(answer.json()["features"]) == 1, answer.text()[:500]
    # A horizontal line has no height, so Playwright calls it hidden: click it where it runs,
    # through the middle of the map (the view is centred on the street).
    line = page.locator("path.leaflet-interactive[stroke='#1d4e89']").first
    line.wait_for(state="attached", timeout=30_000)
    box = page.locator("#editor-map").bounding_box()
    # The line is 1.5 px wide and the centre may round to the pixel beside it: try both sides.
    for dy in (0, 1, -1, 2):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + dy)
        try:
            page.wait_for_selector("#editor-street-tools:not([hidden])", timeout=3_000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_selector("#editor-street-tools:not([hidden])")
    assert page.locator("#editor-tx-title").inner_text() == "Al-Karama Street"
    page.click("#editor-numbering-preview")
    page.wait_for_selector("#editor-numbering-list li")
    assert page.locator("#editor-numbering-list li").count() == 3
    assert not Building.objects.filter(number__isnull=False).exists()  # a preview writes nothing
    page.click("#editor-numbering-apply")
    page.wait_for_selector("#editor-tx-status:has-text('Buildings numbered: 3')")
    assert sorted(Building.objects.values_list("number", flat=True)) == [1, 2, 3]
    screenshot(page, "editor-streets-en")
    page.context.close()


def test_a_planner_splits_a_polygon_and_merges_it_back(browser, live_server):  # noqa: F811
    from django.contrib.gis.geos import Polygon

    from layers.services import feature_create, layer_create

    town_create()
    plots = layer_create(
        slug="plots", title_en="Plots", geometry_type="Polygon", visibility="internal", user=None
    )
    square = Polygon.from_bbox((35.2000, 31.9000, 35.2004, 31.9004))
    square.srid = 4326
    feature_create(layer=plots, geometry=square, properties={}, user=None)
    page = signed_in_page(browser, live_server, UserFactory(role=Role.PLANNER))
    page.goto(f"{live_server.url}/en/editor/#19/31.9002/35.2002")
    shapes = page.locator("path.leaflet-interactive")
    shapes.first.wait_for(timeout=30_000)
    shapes.first.click()
    page.wait_for_selector("#editor-shape-tools:not([hidden])")
    box = shapes.first.bounding_box()
    x = box["x"] + box["width"] / 2
    page.click("#editor-feature-split")
    page.mouse.click(x, box["y"] - 25)
    page.mouse.click(x, box["y"] + box["height"] + 25)
    page.mouse.click(x, box["y"] + box["height"] + 25)
    page.wait_for_selector("#editor-note:has-text('Split into features')")
    assert plots.features.count() == 2
    assert page.locator("path.leaflet-interactive").count() == 2
    screenshot(page, "editor-split-en")

    shapes.nth(0).click()
    page.wait_for_selector("#editor-shape-tools:not([hidden])")
    page.click("#editor-feature-merge")
    shapes.nth(1).click()
    page.wait_for_selector("#editor-note:has-text('Merged into feature')")
    assert plots.features.count() == 1
    assert plots.features.get().geom.area == pytest.approx(0.0004 * 0.0004, rel=1e-6)
    page.context.close()


def test_a_refused_save_is_shown_beside_the_feature_and_the_edit_kept(planner_page, live_server):
    page = planner_page
    open_editor(page, f"{live_server.url}/en/editor/")
    page.locator(".leaflet-marker-icon").first.click()
    page.wait_for_selector("#editor-form:not([hidden])")
    page.select_option("select[name=lamp]", "")  # the required lamp taken away
    page.fill("input[name=asset_no]", "77")
    page.click("#editor-save")
    page.wait_for_selector("#editor-errors:not([hidden])")
    assert "lamp" in page.locator("#editor-errors").inner_text()
    assert page.locator(".editor-error-tip").count() == 1  # on the map, at the feature
    screenshot(page, "editor-error-en")
    assert page.input_value("input[name=asset_no]") == "77"  # the edit is still there
    assert Feature.objects.get().properties == {"lamp": "LED", "asset_no": 1}
    page.select_option("select[name=lamp]", "sodium")
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('Saved: version 2')")
    assert Feature.objects.get().properties == {"lamp": "sodium", "asset_no": 77}
    screenshot(page, "editor-error-fixed-en")


def test_an_addressing_officer_adds_a_building_entrance_from_the_editor(browser, live_server):  # noqa: F811
    from django.contrib.gis.geos import Polygon

    from addressing.models import Building
    from addressing.services import postal_zone_create
    from tests.factories import TOWN_BOX, street_along

    town = town_create()
    postal_zone_create(
        code="600",
        governorate=town.governorate,
        municipality=town,
        geom=Polygon.from_bbox(TOWN_BOX),
    )
    street_along(
        town=town,
        code="RAM-0050",
        name_ar="شارع النهضة",
        name_en="Al-Nahda Street",
        start=(35.2000, 31.9000),
        end=(35.2010, 31.9000),
    )
    page = signed_in_page(browser, live_server, UserFactory(role=Role.ADDRESSING_OFFICER))
    page.goto(f"{live_server.url}/en/editor/#19/31.9000/35.2005")
    page.select_option("#editor-collection", label="Addresses and postcodes")
    page.click("#editor-add-entrance")
    box = page.locator("#editor-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 - 30)
    page.wait_for_selector("#editor-note:has-text('Added:')")
    building = Building.objects.get()
    assert building.number == 1
    assert building.postcode.startswith("P600")
    assert building.postcode in page.locator("#editor-note").inner_text()
    screenshot(page, "editor-address-en")
    page.context.close()
