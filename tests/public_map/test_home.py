"""The front page: Arabic by default, English on request, everything served from here."""

import re


def test_root_redirects_to_arabic_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_root_follows_the_browsers_english(client, db):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")["Location"] == "/en/"


def test_arabic_page_is_right_to_left_and_translated(client, reference_data):
    html = client.get("/ar/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "منصة" in html or "نظام" in html  # translated heading, not the English source
    assert "Ramallah Municipal GIS" not in html


def test_english_page_is_left_to_right(client, reference_data):
    html = client.get("/en/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Ramallah Municipal GIS" in html


def test_page_loads_nothing_from_other_hosts(client, reference_data):
    html = client.get("/ar/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert [s for s in sources if s.startswith(("http:", "https:", "//"))] == []


def test_page_says_when_reference_data_is_missing(client, db):
    html = client.get("/en/").content.decode()
    assert "The reference data is not loaded yet" in html


def test_language_switch_keeps_the_page(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/ar/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_newcomers_tour_lists_the_demo_accounts_and_where_each_starts(client, db):
    from core.services import demo_users_ensure

    assert "demo-planner" not in client.get("/en/").content.decode()  # not a demo deployment
    demo_users_ensure()
    html = client.get("/en/").content.decode()
    assert "Try the staff side with the demo accounts" in html
    for username in ("demo-planner", "demo-dispatcher", "demo-courier", "demo-administrator"):
        assert f"<code>{username}</code>" in html
    assert "/en/sign-in/?next=/en/editor/" in html
    assert "/en/sign-in/?next=/en/delivery/courier/" in html
    assert "synthetic" in html
    for link in ("/en/map/", "/api/docs/", "/ogcapi/", "/en/delivery/courier/", "/en/editor/"):
        assert f'href="{link}' in html
