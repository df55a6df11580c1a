def test_administrators_look_up_the_register_but_change_it_only_through_services(
    client, administrator, irsal
):
    client.force_login(administrator)
    listing = client.get("/en/admin/addressing/street/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "Al-Irsal Street" in listing.content.decode()
    assert client.get("/en/admin/addressing/street/add/").status_code == 403
