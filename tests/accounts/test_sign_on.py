"""Single sign-on against a real OpenID Connect provider (tests/accounts/oidc_provider.mjs):
the whole authorization-code flow over HTTP, claims mapped to roles, and every refusal the
issue names (forged or expired token, a provider that is down, a replayed answer, a flood)
with its status, its message, its log line, and nothing stored."""

from __future__ import annotations

import logging

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from accounts.models import ExternalIdentity
from core.roles import Role, user_roles
from tests.accounts.conftest import (
    CLIENT_ID,
    now,
    provider_start,
    sign_on_settings,
    sign_on_walk,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _nothing_stored() -> None:
    assert not ExternalIdentity.objects.exists()
    assert not User.objects.filter(username__startswith="sso-").exists()


def test_planner_signs_on_at_the_provider_and_gets_the_planner_role(client, sign_on):
    _start, callback = sign_on_walk(client, login="amal.planner", next_page="/en/editor/")
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/en/editor/"
    identity = ExternalIdentity.objects.get()
    user = identity.user
    assert (identity.issuer, identity.subject) == (sign_on.issuer, "amal.planner")
    assert user.username.startswith("sso-")
    assert "amal" not in user.username
    assert (user.first_name, user.last_name) == ("Amal", "Haddad")
    assert user.email == "amal.haddad@ramallah.example"
    assert user_roles(user) == {Role.PLANNER}
    assert user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert client.get("/en/editor/").status_code == 200


def test_citizen_without_roles_is_signed_in_without_staff_access(client, sign_on):
    _start, callback = sign_on_walk(client, login="omar.citizen")
    response = client.get(callback)
    assert response.status_code == 302
    # No page asked for: the landing in the language the browser chose (its cookie).
    assert response["Location"] == "/en/signed-in/"
    assert client.get(response["Location"])["Location"] == "/en/"  # the public map
    user = ExternalIdentity.objects.get().user
    assert user_roles(user) == frozenset()
    assert not user.is_staff
    assert user.email == ""  # the provider says it is not verified
    assert client.get("/en/editor/").status_code in (302, 403)


def test_mapped_claim_values_grant_roles_and_unknown_ones_are_logged_not_granted(
    client, sign_on, caplog
):
    caplog.set_level(logging.WARNING, logger="accounts.sign_on")
    _start, callback = sign_on_walk(client, login="sami.ministry")
    assert client.get(callback).status_code == 302
    user = ExternalIdentity.objects.get().user
    assert user_roles(user) == {Role.DISPATCHER}
    assert "moi:archive-reader" in caplog.text


def test_roles_follow_the_provider_at_every_sign_on(client, sign_on):
    _start, callback = sign_on_walk(client, login="amal.planner")
    client.get(callback)
    user = ExternalIdentity.objects.get().user
    user.groups.add(*[g for g in user.groups.model.objects.filter(name="dispatcher")])
    sign_on.account_set("amal.planner", {"given_name": "Amal", "roles": ["cadastre_officer"]})
    try:
        client.post("/en/sign-out/")
        _start, callback = sign_on_walk(client, login="amal.planner")
        assert client.get(callback).status_code == 302
    finally:
        from tests.accounts.conftest import ACCOUNTS

        sign_on.account_set("amal.planner", ACCOUNTS["amal.planner"])
    user.refresh_from_db()
    assert user_roles(user) == {Role.CADASTRE_OFFICER}
    assert ExternalIdentity.objects.count() == 1


def test_administrator_claim_makes_a_superuser_and_withdrawing_it_unmakes_it(client, sign_on):
    _start, callback = sign_on_walk(client, login="rana.admin")
    client.get(callback)
    user = ExternalIdentity.objects.get().user
    assert user.is_superuser
    assert user.is_staff
    sign_on.account_set("rana.admin", {"given_name": "Rana", "roles": []})
    try:
        client.post("/en/sign-out/")
        _start, callback = sign_on_walk(client, login="rana.admin")
        client.get(callback)
    finally:
        from tests.accounts.conftest import ACCOUNTS

        sign_on.account_set("rana.admin", ACCOUNTS["rana.admin"])
    user.refresh_from_db()
    assert not user.is_superuser
    assert not user.is_staff


def test_a_local_account_with_the_same_email_is_never_taken_over(client, sign_on):
    local = UserFactory(role=Role.ADMINISTRATOR, email="amal.haddad@ramallah.example")
    _start, callback = sign_on_walk(client, login="amal.planner")
    client.get(callback)
    identity = ExternalIdentity.objects.get()
    assert identity.user != local
    assert client.get("/en/signed-in/")["Location"] == "/en/editor/"
    local.refresh_from_db()
    assert not local.external_identities.exists()


def test_disabled_account_is_refused_with_403_and_not_reenabled(client, sign_on):
    _start, callback = sign_on_walk(client, login="amal.planner")
    client.get(callback)
    user = ExternalIdentity.objects.get().user
    User.objects.filter(pk=user.pk).update(is_active=False)
    client.post("/en/sign-out/")
    _start, callback = sign_on_walk(client, login="amal.planner")
    response = client.get(callback)
    assert response.status_code == 403
    assert b"disabled" in response.content
    user.refresh_from_db()
    assert not user.is_active
    assert "_auth_user_id" not in client.session


# -- tokens an attacker altered on the way ------------------------------------------------


def _attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("attack", "says"),
    [
        ("forged", "forged or altered"),
        ("expired", "has expired"),
        ("other_audience", "another service"),
        ("other_issuer", "another issuer"),
        ("no_expiry", "lacks its exp claim"),
        ("future", "dated in the future"),
    ],
)
def test_identity_token_altered_on_the_way_is_refused_with_401_and_nothing_stored(
    client, tampering, caplog, attack, says
):
    real = tampering.provider.key

    def rewrite(claims: dict):
        if attack == "forged":
            return {**claims, "sub": "rana.admin"}, _attacker_key()
        if attack == "expired":
            return {**claims, "iat": now() - 7200, "exp": now() - 3600}, real
        if attack == "other_audience":
            return {**claims, "aud": "another-ministry-app"}, real
        if attack == "other_issuer":
            return {**claims, "iss": "http://127.0.0.1:9/evil"}, real
        if attack == "no_expiry":
            return {k: v for k, v in claims.items() if k != "exp"}, real
        return {**claims, "iat": now() + 3600}, real

    tampering.rewrite = rewrite
    caplog.set_level(logging.WARNING, logger="accounts.sign_on")
    _start, callback = sign_on_walk(client, login="amal.planner")
    response = client.get(callback)
    assert response.status_code == 401
    assert response.context["sign_on_error_code"] == "sign_on_token_invalid"
    assert says in response.context["sign_on_error"]
    assert "sign-on refused (sign_on_token_invalid)" in caplog.text
    assert "eyJ" not in caplog.text  # no token in the log
    assert "_auth_user_id" not in client.session
    _nothing_stored()


def test_token_from_the_provider_itself_passes_the_proxy_untouched(client, tampering):
    _start, callback = sign_on_walk(client, login="amal.planner")
    assert client.get(callback).status_code == 302
    assert ExternalIdentity.objects.count() == 1


def test_replayed_answer_is_refused_with_400(client, sign_on):
    _start, callback = sign_on_walk(client, login="amal.planner")
    assert client.get(callback).status_code == 302
    client.post("/en/sign-out/")
    again = client.get(callback)
    assert again.status_code == 400
    assert again.context["sign_on_error_code"] == "sign_on_expired"


def test_answer_for_another_browsers_sign_in_is_refused_with_400(client, sign_on):
    from django.test import Client

    _start, callback = sign_on_walk(Client(), login="amal.planner")
    response = client.get(callback)  # this browser never started that sign-in
    assert response.status_code == 400
    _nothing_stored()


def test_cancelling_at_the_provider_is_refused_with_403(client, sign_on):
    from tests.accounts.conftest import local_path, provider_walk

    start = client.get("/sso/start/")
    callback = local_path(provider_walk(start["Location"], login="x", abort=True))
    assert "error=access_denied" in callback
    response = client.get(callback)
    assert response.status_code == 403
    assert response.context["sign_on_error_code"] == "sign_on_denied"
    _nothing_stored()


def test_flood_of_bad_answers_is_throttled_per_address(client, sign_on, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    from django.core.cache import cache

    cache.clear()
    try:
        for _ in range(3):
            assert client.get("/sso/callback/?code=guess&state=guess").status_code == 400
        response = client.get("/sso/callback/?code=guess&state=guess")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert client.get("/sso/start/").status_code == 429
    finally:
        cache.clear()


# -- a provider that is down ---------------------------------------------------------------


@pytest.fixture
def own_provider(settings, tmp_path):
    """A provider of the test's own, which the test may stop."""
    provider = provider_start(
        tmp_path,
        redirect_uris=["http://testserver/sso/callback/"],
        logout_uris=["http://testserver/en/"],
    )
    for name, value in sign_on_settings(provider).items():
        setattr(settings, name, value)
    yield provider
    provider.stop()


def test_provider_down_before_the_sign_in_answers_503_on_our_page(client, own_provider):
    own_provider.stop()
    response = client.get("/sso/start/")
    assert response.status_code == 503
    assert response.context["sign_on_error_code"] == "sign_on_unavailable"
    assert "does not answer" in response.context["sign_on_error"]
    assert "oidc_states" not in client.session


def test_provider_down_between_sign_in_and_return_answers_503_and_stores_nothing(
    client, own_provider, caplog
):
    caplog.set_level(logging.WARNING, logger="accounts.sign_on")
    _start, callback = sign_on_walk(client, login="amal.planner")
    own_provider.stop()
    response = client.get(callback)
    assert response.status_code == 503
    assert "sign-on refused (sign_on_unavailable)" in caplog.text
    _nothing_stored()


# -- signing out, and the sign-in page ------------------------------------------------------


def test_sign_out_ends_the_session_here_and_at_the_provider(client, sign_on):
    _start, callback = sign_on_walk(client, login="amal.planner")
    client.get(callback)
    response = client.post("/en/sign-out/")
    assert response.status_code == 302
    assert response["Location"].startswith(sign_on.endpoint("/session/end?"))
    assert "id_token_hint=" in response["Location"]
    assert f"client_id={CLIENT_ID}" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_sign_in_page_offers_sign_on_beside_local_accounts(client, sign_on):
    page = client.get("/en/sign-in/?next=/en/editor/").content.decode()
    assert "Sign in with Test national sign-on" in page
    assert "/sso/start/?next=/en/editor/" in page
    assert 'name="password"' in page


def test_without_sign_on_configured_start_answers_404_and_page_has_no_button(client):
    assert client.get("/sso/start/").status_code == 404
    assert client.get("/sso/callback/?code=a&state=b").status_code == 404
    assert "/sso/start/" not in client.get("/en/sign-in/").content.decode()


def test_local_accounts_off_refuses_staff_passwords_but_keeps_administrators(
    client, sign_on, settings
):
    settings.SIGN_IN_LOCAL_ACCOUNTS = False
    planner = UserFactory(role=Role.PLANNER)
    response = client.post("/en/sign-in/", {"username": planner.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "sign in through Test national sign-on" in response.content.decode()
    admin = UserFactory(role=Role.ADMINISTRATOR)
    response = client.post("/en/sign-in/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302
