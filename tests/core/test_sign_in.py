"""Staff and couriers sign in on the platform's own page (the admin's admits staff only)."""

from core.roles import Role
from tests.factories import PASSWORD, UserFactory


def test_a_courier_signs_in_and_lands_on_the_page_they_asked_for(client, db):
    UserFactory(username="samir", role=Role.COURIER)
    asked = client.get("/en/delivery/courier/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/en/sign-in/?next=")
    page = client.get(asked["Location"])
    assert page.status_code == 200
    assert "Nobody needs an account for the map" in page.content.decode()
    signed = client.post(
        "/en/sign-in/", {"username": "samir", "password": PASSWORD, "next": "/en/delivery/courier/"}
    )
    assert (signed.status_code, signed["Location"]) == (302, "/en/delivery/courier/")


def test_a_wrong_password_is_refused_with_a_message_and_signing_out_ends_the_session(client, db):
    UserFactory(username="rana", role=Role.PLANNER)
    refused = client.post("/ar/sign-in/", {"username": "rana", "password": "wrong"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.content.decode()
    client.post("/en/sign-in/", {"username": "rana", "password": PASSWORD})
    assert client.get("/en/editor/").status_code == 200
    assert client.post("/en/sign-out/").status_code == 302
    assert client.get("/en/editor/").status_code == 302
