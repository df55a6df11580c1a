"""The API answers a page in the page's language, whatever the browser's own language is."""


def test_the_api_answers_in_the_language_of_the_page_opened_last(client, db):
    arabic_browser = {"HTTP_ACCEPT_LANGUAGE": "ar"}
    query = {"q": "Main\x07Street"}
    before = client.get("/api/v1/geocode/search", query, **arabic_browser).json()
    assert "حرف التحكم" in before["error"]["message"]  # the browser's language: Arabic
    assert client.get("/en/map/", **arabic_browser).cookies["django_language"].value == "en"
    after = client.get("/api/v1/geocode/search", query, **arabic_browser).json()
    assert "control character" in after["error"]["message"]
    client.get("/ar/map/", **arabic_browser)
    again = client.get("/api/v1/geocode/search", query, **arabic_browser).json()
    assert "حرف التحكم" in again["error"]["message"]
