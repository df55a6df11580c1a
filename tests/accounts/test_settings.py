"""Single sign-on's configuration: off unless OIDC_ISSUER is set, complete when on, and a role
map that names only the platform's roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.roles import Role
from gis_project.env import Env
from gis_project.settings.base import ROLE_NAMES, _sign_on

ENDPOINTS = {
    "OIDC_CLIENT_ID": "ramallah-gis",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_AUTHORIZATION_ENDPOINT": "https://sso.example/auth",
    "OIDC_TOKEN_ENDPOINT": "https://sso.example/token",
    "OIDC_USERINFO_ENDPOINT": "https://sso.example/me",
    "OIDC_JWKS_ENDPOINT": "https://sso.example/jwks",
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in [*ENDPOINTS, "OIDC_ISSUER", "OIDC_ROLE_MAP", "SIGN_IN_LOCAL_ACCOUNTS"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_settings_role_names_are_the_platforms_roles():
    assert set(ROLE_NAMES) == {role.value for role in Role}


def test_sign_on_is_off_and_local_accounts_on_without_an_issuer(clean_env):
    options = _sign_on(Env(use_local_file=False))
    assert options["OIDC_ENABLED"] is False
    assert options["SIGN_IN_LOCAL_ACCOUNTS"] is True


def test_an_issuer_without_its_endpoints_names_what_is_missing(clean_env):
    clean_env.setenv("OIDC_ISSUER", "https://sso.example")
    with pytest.raises(ImproperlyConfigured, match="OIDC_CLIENT_ID must be set"):
        _sign_on(Env(use_local_file=False))


def test_role_map_maps_claim_values_and_keeps_role_names(clean_env):
    clean_env.setenv("OIDC_ISSUER", "https://sso.example")
    for name, value in ENDPOINTS.items():
        clean_env.setenv(name, value)
    clean_env.setenv("OIDC_ROLE_MAP", "moi:gis-planner=planner, moi:gis-admin=administrator")
    options = _sign_on(Env(use_local_file=False))
    assert options["OIDC_ENABLED"] is True
    assert options["OIDC_ROLE_MAP"]["moi:gis-planner"] == "planner"
    assert options["OIDC_ROLE_MAP"]["moi:gis-admin"] == "administrator"
    assert options["OIDC_ROLE_MAP"]["courier"] == "courier"


@pytest.mark.parametrize("pair", ["moi:gis-planner=mayor", "no-equals-sign", "=planner"])
def test_role_map_refuses_what_is_not_claim_value_equals_role(clean_env, pair):
    clean_env.setenv("OIDC_ROLE_MAP", pair)
    with pytest.raises(ImproperlyConfigured, match="OIDC_ROLE_MAP"):
        _sign_on(Env(use_local_file=False))
