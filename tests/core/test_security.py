"""The security posture: headers on every response, throttled sign-ins on every way in, rate
limits on the public search APIs, the password policy and a clean deployment check."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError

from core.roles import Role
from core.security import client_address
from tests.conftest import ROOT
from tests.factories import PASSWORD, UserFactory

STRICT = {"public": "3/min", "staff": "6/min"}


def _address() -> str:
    # A fresh documentation address per test: counters in the shared cache outlive a test.
    # IPv6's documentation prefix has room for a new address on every call.
    return "2001:db8::" + ":".join(uuid.uuid4().hex[i : i + 4] for i in range(0, 16, 4))


def test_every_page_and_api_answer_carries_a_strict_content_security_policy(client, db):
    for url in ("/ar/", "/en/map/", "/api/v1/map/layers", "/ogcapi/", "/api/docs/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, url
        assert re.search(r"script-src 'self' 'nonce-[\w-]{24}';", policy), url
        assert "unsafe-inline" not in policy, url
        assert "unsafe-eval" not in policy, url
        assert "frame-ancestors 'none'" in policy, url
        assert response["X-Frame-Options"] == "DENY", url
        assert "geolocation=(self)" in response["Permissions-Policy"], url


def test_the_online_basemap_host_alone_joins_the_image_sources(client, db, settings):
    settings.PUBLIC_MAP_ONLINE_BASEMAP_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    policy = client.get("/en/map/")["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tile.example.org;" in policy
    assert "script-src 'self' 'nonce-" in policy


def test_sign_in_is_throttled_per_user_name_on_the_page_with_a_message(client, db, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_USER = 3
    user = UserFactory(username=f"rana-{uuid.uuid4().hex[:6]}", role=Role.PLANNER)
    address = _address()
    for _ in range(3):
        wrong = client.post(
            "/en/sign-in/", {"username": user.username, "password": "wrong"}, REMOTE_ADDR=address
        )
        assert wrong.status_code == 400
        assert "The user name or the password is wrong." in wrong.content.decode()
    # Now even the right password waits: a guesser cannot tell it found it.
    locked = client.post(
        "/en/sign-in/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.SIGN_IN_LOCKOUT_SECONDS
    assert "Too many failed sign-ins. Wait 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_and_basic_auth_share_the_sign_in_throttle(api_client, db, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 4
    address = _address()
    user = UserFactory(username=f"samir-{uuid.uuid4().hex[:6]}", role=Role.COURIER)
    for name in (uuid.uuid4().hex, uuid.uuid4().hex):  # other names count for the address
        response = api_client.post(
            "/api/v1/auth/token/", {"username": name, "password": "x"}, REMOTE_ADDR=address
        )
        assert response.status_code == 400
    basic = "Basic " + base64.b64encode(f"{user.username}:wrong".encode()).decode()
    for _ in range(2):
        response = api_client.get("/api/v1/jobs/", HTTP_AUTHORIZATION=basic, REMOTE_ADDR=address)
        assert response.status_code in (401, 403)  # DRF's choice: session auth comes first
    refused = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=address,
    )  # fmt: skip
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "sign_in_throttled"
    assert refused["Retry-After"]
    # Another address is not punished for this one.
    fine = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=_address(),
    )  # fmt: skip
    assert fine.status_code == 200
    assert fine.json()["token"]


def test_public_search_and_geocoding_are_rate_limited_per_address(client, db, settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "geocode": STRICT, "search": STRICT}
    address = _address()
    statuses = [
        client.get("/api/v1/geocode/search", {"q": "Main"}, REMOTE_ADDR=address).status_code
        for _ in range(4)
    ]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    limited = client.get("/api/v1/geocode/reverse", {"lat": 31.9, "lon": 35.2}, REMOTE_ADDR=address)
    assert limited.status_code == 429  # one scope: searching and reverse geocoding together
    assert limited.json()["error"]["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    # The map search is its own scope; another address starts afresh.
    assert client.get("/api/v1/map/search", {"q": "x"}, REMOTE_ADDR=address).status_code != 429
    other = client.get("/api/v1/geocode/search", {"q": "Main"}, REMOTE_ADDR=_address())
    assert other.status_code != 429


def test_signed_in_staff_get_the_staff_rate(client, db, settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "geocode": STRICT}
    user = UserFactory(role=Role.ADDRESSING_OFFICER)
    cache.delete(f"throttle:geocode:user-{user.pk}")  # a past run's user with the same id
    client.force_login(user)
    statuses = [client.get("/api/v1/geocode/search", {"q": "Main"}).status_code for _ in range(7)]
    assert 429 not in statuses[:6]
    assert statuses[6] == 429


@pytest.mark.parametrize(
    "password", ["short1!", "123456789012345", "password12345", "ramallah-staff"]
)
def test_weak_passwords_are_refused(db, password):
    user = UserFactory.build(username="ramallah-staff")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


def test_a_passphrase_is_accepted(db):
    validate_password("olive press on the hill road", user=UserFactory.build(username="rana"))


def test_the_production_settings_pass_the_deployment_check():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "gis_project.settings.prod",
        "SECRET_KEY": "k" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "gis.ramallah.ps",
        "CSRF_TRUSTED_ORIGINS": "https://gis.ramallah.ps",
        # The README's production settings: a year of HSTS, on the browsers' preload list.
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted_not_a_forged_one(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "10.0.0.2"  # no proxy trusted: the header is ignored
    settings.TRUSTED_PROXIES = 1
    assert client_address(request) == "203.0.113.9"  # what the proxy appended, not 6.6.6.6
