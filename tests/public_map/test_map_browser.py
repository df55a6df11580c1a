"""The public map in a real headless Chromium: basemap, layers, search, postcodes, parcels,
deep links and bad input, in Arabic and English."""

import pytest

from tests.public_map.conftest import axe_violations, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_map(page, live_server, lang: str, hash_: str = ""):
    page.goto(f"{live_server.url}/{lang}/map/{hash_}")
    page.wait_for_selector("#public-map[data-ready='true']", timeout=30_000)


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_map_draws_its_own_basemap_and_credits_the_data(page, live_server, city, lang, direction):
    open_map(page, live_server, lang, "#map=17/31.90500/35.20250")
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.locator("#public-map canvas").count() > 0
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "OCHA" in attribution
    assert "OpenStreetMap" in attribution
    screenshot(page, f"map-{lang}")
    assert page.foreign_requests == []
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_search_finds_a_postcode_and_shows_the_address_in_both_languages(
    page, live_server, city, lang
):
    building = city["buildings"][1]
    open_map(page, live_server, lang)
    page.fill("#map-search-input", building.postcode)
    page.wait_for_selector("#map-search-results li[data-kind='address']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector(".address-card")
    assert page.locator(".postcode").inner_text() == building.postcode
    assert "Al-Irsal Street" in page.locator("[data-lines='en']").inner_text()
    assert "شارع الإرسال" in page.locator("[data-lines='ar']").inner_text()
    assert f"sel=address:{building.pk}" in page.url
    screenshot(page, f"map-postcode-search-{lang}")


def settled(page):
    page.wait_for_selector("#public-map[data-ready='true']", timeout=30_000)


def click_at(page, lon: float, lat: float):
    point = page.evaluate(f"publicMap.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator("#public-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_clicking_a_building_shows_its_postcode_copies_it_and_shares_a_deep_link(
    browser, live_server, city
):
    building = city["buildings"][0]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    lon, lat = building.entrance.x, building.entrance.y
    open_map(page, live_server, "ar", f"#map=18/{lat:.5f}/{lon:.5f}")
    click_at(page, lon, lat)
    page.wait_for_selector(".address-card")
    assert page.locator(".postcode").inner_text() == building.postcode
    page.click(".copy-postcode")
    assert page.evaluate("navigator.clipboard.readText()") == building.postcode
    page.click(".share-link")
    link = page.evaluate("navigator.clipboard.readText()")
    assert f"sel=address:{building.pk}" in link
    settled(page)
    screenshot(page, "map-postcode-ar")

    # The shared link opens the same building, in a fresh page.
    other = context.new_page()
    other.goto(link)
    other.wait_for_selector(".address-card")
    assert other.locator(".postcode").inner_text() == building.postcode
    context.close()


@pytest.mark.parametrize(
    ("lang", "identifier", "words"),
    [("en", "Ramallah 1/1", ("m²", "Zoning")), ("ar", "رام الله 1/1", ("م²", "التصنيف"))],
)
def test_parcel_lookup_by_identifier_shows_area_zoning_and_an_extract_without_owners(
    page, live_server, city, lang, identifier, words
):
    parcel = city["parcels"][0]
    open_map(page, live_server, lang)
    page.fill("#map-search-input", identifier)
    page.wait_for_selector("#map-search-results li[data-kind='parcel']")
    page.keyboard.press("Enter")
    page.wait_for_selector(".parcel-card")
    card = page.locator(".parcel-card").inner_text()
    assert identifier in card
    for word in words:
        assert word in card
    assert "Test holder" not in card
    assert f"sel=parcel:{parcel.pk}" in page.url
    settled(page)
    screenshot(page, f"map-parcel-{lang}")
    with page.expect_popup() as popup:
        page.click(".parcel-card a.button-link")
    extract = popup.value
    extract.wait_for_load_state()
    assert "1/1" in extract.content()


def test_layer_panel_lists_public_layers_with_legends_and_remembers_them_in_the_link(
    page, live_server, city
):
    open_map(page, live_server, "en", "#map=17/31.90020/35.20020")
    page.click("#layers-toggle")
    panel = page.locator("#layer-panel")
    assert panel.is_visible()
    assert panel.locator("li[data-layer='parcels'] .legend span").count() >= 10
    assert panel.locator("li[data-layer='streets']").count() == 1
    page.check("#layer-parcels")
    assert "layers=parcels" in page.url
    page.wait_for_timeout(500)
    screenshot(page, "map-layers-en")
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("en", "   ", "Type an address"),
        ("en", "P6009999", "No building has this postcode"),
        # Markup is refused by the API (addressing.geocoders.query_check), with its reason.
        ("en", "<img src=x onerror=alert(1)>", "contains markup"),
        ("ar", "P6009999", "لا يوجد مبنى"),
    ],
)
def test_bad_searches_get_a_helpful_message_in_the_page_language(
    page, live_server, city, lang, typed, expected
):
    open_map(page, live_server, lang)
    page.fill("#map-search-input", typed)
    wait_until(page, "document.getElementById('map-search-message').textContent.length > 0")
    assert expected in page.locator("#map-search-message").inner_text()
    assert page.locator("img[src='x']").count() == 0


# The budget for the map page's first render: JavaScript and CSS, compressed.
PAYLOAD_BUDGET_BYTES = 500 * 1024


def test_first_render_of_the_map_stays_within_the_payload_budget(page, live_server, city):
    import gzip

    bodies: dict[str, bytes] = {}

    def keep(response):
        kind = response.request.resource_type
        if kind in ("script", "stylesheet") and response.ok:
            bodies[response.url] = response.body()

    page.on("response", keep)
    open_map(page, live_server, "ar")
    # The production server sends these gzip-compressed (WhiteNoise, level 9).
    compressed = {url: len(gzip.compress(body, 9)) for url, body in bodies.items()}
    total = sum(compressed.values())
    print(f"map page first render: {len(compressed)} JS/CSS files, {total / 1024:.0f} KB gzip")
    assert any(url.endswith("protomaps-leaflet.js") for url in compressed)
    assert total <= PAYLOAD_BUDGET_BYTES


def test_the_map_works_from_the_keyboard(page, live_server, city):
    building = city["buildings"][1]
    lon, lat = building.entrance.x, building.entrance.y
    open_map(page, live_server, "en", f"#map=18/{lat:.5f}/{lon:.5f}")
    # Tab order: search box, its button, layers, digits, delivery link, then the map.
    page.focus("#map-search-input")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "public-map":
            break
    assert page.evaluate("document.activeElement.id") == "public-map"
    page.keyboard.press("Enter")  # identify what is at the centre
    page.wait_for_selector(".address-card")
    assert page.evaluate("document.activeElement.id") == "info-panel"
    assert page.locator(".postcode").inner_text() == building.postcode
    page.keyboard.press("Escape")
    assert page.locator("#info-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "public-map"
    # The layer panel opens on Enter and closes on Escape, focus back on its button.
    page.focus("#layers-toggle")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.type") == "radio"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "layers-toggle"


def test_arabic_readers_choose_arabic_indic_digits_and_postcodes_stay_latin(
    page, live_server, city
):
    building = city["buildings"][1]
    open_map(page, live_server, "ar", f"#sel=address:{building.pk}")
    page.wait_for_selector(".address-card")
    page.click("#digits-toggle")
    wait_until(page, "document.querySelector('[data-lines=ar]').textContent.includes('مبنى ٣')")
    lines = page.locator("[data-lines='ar']").inner_text()
    assert building.postcode in lines  # P and Latin digits, as machines read it
    assert page.get_attribute("#digits-toggle", "aria-pressed") == "true"
    page.reload()
    page.wait_for_selector(".address-card")
    assert "مبنى ٣" in page.locator("[data-lines='ar']").inner_text()  # remembered


def test_no_online_basemap_is_offered_unless_configured(page, live_server, city, settings):
    open_map(page, live_server, "en")
    assert page.locator("input[name='basemap'][value='online']").count() == 0
    settings.PUBLIC_MAP_ONLINE_BASEMAP_URL = f"{live_server.url}/static/none/{{z}}/{{x}}/{{y}}.png"
    settings.PUBLIC_MAP_ONLINE_BASEMAP_ATTRIBUTION = "Example tiles"
    open_map(page, live_server, "en")
    assert page.locator("input[name='basemap'][value='online']").count() == 1
